// Keep the last N, end to end: "Back up now" through the real API and helper, on a loop
// device over a file this test made, real images in a real folder. After each new image
// verified, the drive's images beyond N in the plan's folder are deleted (the oldest), and
// nothing else: not an image of the same drive kept in another folder.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src-shared/api-client.js';
import { appBackend, lazyHelperRunner } from '../api/app-backend.js';
import { randomFile } from '../test-support/fixtures.js';
import { attachLoop, type LoopDevice } from '../test-support/loop-devices.js';
import { apiSession, jobEnd, type ApiSession } from '../test-support/api-session.js';
import { noLoopReason } from '../test-support/root.js';
import { tempDir } from '../test-support/temp-dir.js';

describe.skipIf(noLoopReason)(`keep the last N (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let session: ApiSession;
  let api: ApiClient;
  let loop: LoopDevice | undefined;

  beforeAll(async () => {
    dir = await tempDir();
    session = apiSession(appBackend(join(dir.path, 'data'), lazyHelperRunner()));
    api = session.api;
  });

  afterAll(async () => {
    await session?.close();
    await loop?.detach();
    await dir?.remove();
  });

  it('deletes exactly the oldest beyond N, after the new image verified', async () => {
    const file = join(dir.path, 'drive.bin');
    await randomFile(file, 4 * 2 ** 20, 'keep-last');
    loop = await attachLoop(file);
    const drive = (await api.listDrives({ all: true })).find((d) => d.path === loop!.path)!;
    const folder = join(dir.path, 'plan');
    const elsewhere = join(dir.path, 'elsewhere');
    await mkdir(folder);
    await mkdir(elsewhere);

    // An image of the same drive in another folder, verified: never the plan's to delete.
    const outside = join(elsewhere, 'kept-by-hand.img.zst');
    await jobEnd(api, (await api.startBackup({ source: loop.path, destination: outside })).jobId);
    await jobEnd(api, (await api.startVerify({ image: outside })).jobId);

    const N = 2;
    await api.savePlan({
      drive: drive.identity,
      destination: folder,
      codec: 'zstd',
      level: 3,
      mode: 'raw',
      keep: N,
      autoStart: false,
    });
    const images: string[] = [];
    const deletedEach: string[][] = [];
    for (let i = 0; i < N + 1; i++) {
      const started = await api.backUpNow({ path: loop.path });
      const end = await jobEnd(api, started.jobId);
      expect(end).toMatchObject({ type: 'done', result: { planned: { verified: true } } });
      if (end.type !== 'done' || end.result.kind !== 'backup') throw new Error('not a backup');
      images.push(started.image);
      deletedEach.push(end.result.planned!.deleted);
    }

    expect(deletedEach).toEqual([[], [], [images[0]]]);
    expect(images.map((image) => existsSync(image))).toEqual([false, true, true]);
    expect(existsSync(outside)).toBe(true);
    // The history says what was deleted, on the backup that deleted it, after its verify.
    const history = await api.listHistory({});
    const last = history.findIndex((h) => h.kind === 'backup' && h.destination === images[2]);
    expect(history[last]).toMatchObject({ deleted: [images[0]], drive: drive.identity });
    expect(history[last + 1]).toMatchObject({
      kind: 'verify',
      source: images[2],
      verified: true,
    });
    expect(await api.listImages({})).toContainEqual(
      expect.objectContaining({ path: images[0], exists: false }),
    );
  });
});
