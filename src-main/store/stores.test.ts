// History and settings on disk: they survive a restart (a new store over the same folder),
// a damaged file is treated as absent rather than crashing the app, and writes leave no
// temporary files behind.

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src-shared/api.js';
import { tempDir } from '../test-support/temp-dir.js';
import { defaultDataDir } from './data-dir.js';
import { HISTORY_LIMIT, openHistory } from './history-store.js';
import { openSettings } from './settings-store.js';

const entry = (n: number): HistoryEntry => ({
  jobId: `job-${n}`,
  kind: 'backup',
  startedAt: n,
  endedAt: n + 1,
  outcome: 'done',
  source: '/dev/sdb',
  destination: `/m/sdb-${n}.img.zst`,
  size: 1000,
  imageBytes: 400,
  ratio: 2.5,
  verified: null,
  error: null,
});

describe('stores', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('keeps the history across a restart, newest last, capped', async () => {
    const data = join(dir.path, 'history');
    const history = openHistory(data);
    await Promise.all([history.add(entry(1)), history.add(entry(2))]);
    expect((await openHistory(data).list()).map((e) => e.jobId)).toEqual(['job-1', 'job-2']);
    for (let n = 3; n <= HISTORY_LIMIT + 5; n++) void history.add(entry(n));
    await history.add(entry(HISTORY_LIMIT + 6));
    const kept = await openHistory(data).list();
    expect(kept).toHaveLength(HISTORY_LIMIT);
    expect(kept.at(-1)?.jobId).toBe(`job-${HISTORY_LIMIT + 6}`);
    expect(await readdir(data)).toEqual(['history.json']);
  });

  it('treats a damaged file as empty, and the next write replaces it', async () => {
    const data = join(dir.path, 'damaged');
    const history = openHistory(data);
    await history.add(entry(1));
    await writeFile(join(data, 'history.json'), '{"version":1,"entries":[{"jobId":');
    expect(await history.list()).toEqual([]);
    await history.add(entry(2));
    expect((await history.list()).map((e) => e.jobId)).toEqual(['job-2']);
  });

  it('keeps settings, with defaults for what was never set', async () => {
    const data = join(dir.path, 'settings');
    expect(await openSettings(data).get()).toEqual({ showAllDevices: false, spillDir: null });
    await openSettings(data).update({ spillDir: '/var/tmp' });
    expect(await openSettings(data).get()).toEqual({ showAllDevices: false, spillDir: '/var/tmp' });
  });

  it('uses each system’s usual data folder', () => {
    expect(defaultDataDir('linux', {}, '/home/a')).toBe('/home/a/.local/share/spillway');
    expect(defaultDataDir('linux', { XDG_DATA_HOME: '/x' }, '/home/a')).toBe('/x/spillway');
    expect(defaultDataDir('darwin', {}, '/Users/a')).toBe(
      '/Users/a/Library/Application Support/Spillway',
    );
  });
});
