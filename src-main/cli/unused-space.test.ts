// What a used-blocks restore does with the target's space that no filesystem uses, on real
// loop devices (which support discard): a target full of a marker pattern, the fixture disk
// restored onto it with each choice, then the "don't care" ranges scanned for the marker.
// Found with --keep-unused; gone with the default (discard, sample read back), --erase-unused
// and --zero-unused. The restore reads its data back every time.

import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src-shared/manifest.js';
import type { RestoreResult } from '../../src-shared/protocol/events.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { fixtureDisk } from '../test-support/fixtures.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;
const DISK_MIB = 160;
const MARKER = Buffer.from('OLD-DATA-MARKER-of-the-target!!\n');

/** Bytes of the marker found in the ranges of `path`. */
async function markerBytesIn(path: string, ranges: Array<[number, number]>): Promise<number> {
  const handle = await open(path, 'r');
  try {
    let found = 0;
    for (const [start, end] of ranges) {
      for (let at = start; at < end; at += 4 * MIB) {
        const length = Math.min(4 * MIB, end - at);
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, at);
        const bytes = buffer.subarray(0, bytesRead);
        for (let i = bytes.indexOf(MARKER); i !== -1; i = bytes.indexOf(MARKER, i + 1)) {
          found += MARKER.length;
        }
      }
    }
    return found;
  } finally {
    await handle.close();
  }
}

async function markerFile(path: string): Promise<void> {
  await writeFile(path, Buffer.alloc(DISK_MIB * MIB, MARKER));
}

describe.skipIf(noLoopReason)(`unused space on restore (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  let dontCare: Array<[number, number]>;
  const loops: LoopDevice[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    const source = await attachLoop(await fixtureDisk({ sizeMiB: DISK_MIB }), { readOnly: true });
    loops.push(source);
    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', source.path, image]);
    expect(made.code, made.stderr).toBe(0);
    const info = jsonEvents((await spillway(['inspect', image, '--json'])).stdout)[0]!;
    dontCare = (info['manifest'] as Manifest).dontCare;
    // Enough unused space to tell: the fixture's free space.
    expect(dontCare.reduce((n, [a, b]) => n + b - a, 0)).toBeGreaterThan(16 * MIB);
  }, 120_000);

  afterAll(async () => {
    for (const loop of loops) await loop.detach();
    detachAll();
    await dir?.remove();
  });

  async function restoreOnto(flags: string[]): Promise<{ file: string; result: RestoreResult }> {
    const file = join(dir.path, `target${flags.join('')}.bin`);
    await markerFile(file);
    expect(await markerBytesIn(file, dontCare)).toBeGreaterThan(0);
    const target = await attachLoop(file);
    loops.push(target);
    try {
      const run = await spillway(['restore', image, target.path, '--yes', '--json', ...flags]);
      expect(run.code, run.stderr).toBe(0);
      const done = jsonEvents(run.stdout).find((e) => e.type === 'done')!;
      return { file, result: done['result'] as RestoreResult };
    } finally {
      await target.detach();
    }
  }

  const unusedBytes = (result: RestoreResult, done: string) =>
    result.unused.filter((u) => u.done === done).reduce((n, u) => n + u.range[1] - u.range[0], 0);
  const total = () => dontCare.reduce((n, [a, b]) => n + b - a, 0);

  it('--keep-unused leaves the old data readable, and says so', async () => {
    const { file, result } = await restoreOnto(['--keep-unused']);
    expect(result.readBack).toBe(true);
    expect(unusedBytes(result, 'kept')).toBe(total());
    expect(await markerBytesIn(file, dontCare)).toBeGreaterThan(0);
  }, 120_000);

  it('by default the unused space is discarded, read back as zeros, and the old data is gone', async () => {
    const { file, result } = await restoreOnto([]);
    expect(result.readBack).toBe(true);
    // A loop device discards (holes in its file): most of it discarded, edges zeroed.
    expect(unusedBytes(result, 'discarded')).toBeGreaterThan(total() / 2);
    expect(unusedBytes(result, 'discarded') + unusedBytes(result, 'zeroed')).toBe(total());
    expect(await markerBytesIn(file, dontCare)).toBe(0);
  }, 120_000);

  it('--erase-unused does the same', async () => {
    const { file, result } = await restoreOnto(['--erase-unused']);
    expect(result.readBack).toBe(true);
    expect(unusedBytes(result, 'discarded')).toBeGreaterThan(0);
    expect(await markerBytesIn(file, dontCare)).toBe(0);
  }, 120_000);

  it('--zero-unused writes zeros over all of it', async () => {
    const { file, result } = await restoreOnto(['--zero-unused']);
    expect(result.readBack).toBe(true);
    expect(unusedBytes(result, 'zeroed')).toBe(total());
    expect(await markerBytesIn(file, dontCare)).toBe(0);
  }, 120_000);

  it('an existing image file: holes punched where nothing is used; a new one is left sparse', async () => {
    const existing = join(dir.path, 'existing.bin');
    await markerFile(existing);
    const run = await spillway(['restore', image, existing, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = jsonEvents(run.stdout).find((e) => e.type === 'done')![
      'result'
    ] as RestoreResult;
    expect(unusedBytes(result, 'discarded')).toBeGreaterThan(0);
    expect(await markerBytesIn(existing, dontCare)).toBe(0);

    const fresh = join(dir.path, 'fresh.bin');
    const made = await spillway(['restore', image, fresh, '--yes', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const freshResult = jsonEvents(made.stdout).find((e) => e.type === 'done')![
      'result'
    ] as RestoreResult;
    expect(unusedBytes(freshResult, 'hole')).toBe(total());
  }, 120_000);

  it('more than one choice is refused before anything is written', async () => {
    const run = await spillway(['restore', image, '/dev/null', '--keep-unused', '--zero-unused']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Choose one of --erase-unused, --zero-unused and --keep-unused/);
  });
});
