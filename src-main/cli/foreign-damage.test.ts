// Images made by other tools restore in one decode pass, their own checksums checked as the
// bytes are written. Damage (a flipped byte in the middle) or a cut stream is then found after
// writing began: the restore must stop, say plainly that the target is incomplete, and never
// report it restored. Images made by the real gzip, xz and zstd from a fixture disk; xz both
// as `xz -T0` makes it (8 blocks here, decoded several at once) and in one block (streamed).

import { existsSync } from 'node:fs';
import { copyFile, open, stat, truncate } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const DISK_MIB = 160;
/** The images hold the disk's first MiBs (its partition table and the start of its
 *  filesystems): xz on a 2-core machine shared with other test runs is slow. */
const SLICE_MIB = 24;

const TOOLS = [
  ['disk.img.gz', 'gzip -1 -c'],
  ['disk.img.xz', 'xz -1 -T0 -c'],
  ['disk.img.1.xz', 'xz -1 -c'],
  ['disk.img.zst', 'zstd -q -3 -T0 -c'],
] as const;

/** xz -T0 images are decoded by block on the codec workers where there are two cores. */
const byBlock = availableParallelism() >= 2;

/** Flips every bit of the byte in the middle of `path` (or at `at`). */
async function flipMiddleByte(path: string, at?: number): Promise<void> {
  const { size } = await stat(path);
  const handle = await open(path, 'r+');
  try {
    at ??= Math.floor(size / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

// The fixture disk is built with loop devices and mkfs (root); the restores write files.
describe.skipIf(noLoopReason)(
  `damaged images made by other tools (${noLoopReason ?? 'root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    /** The bytes the images hold. */
    let slice: string;

    beforeAll(async () => {
      dir = await tempDir();
      const disk = await fixtureDisk({ sizeMiB: DISK_MIB });
      slice = join(dir.path, 'slice.img');
      await sh(`head -c ${SLICE_MIB * 2 ** 20} ${q(disk)} > ${q(slice)}`);
      for (const [name, command] of TOOLS) {
        await sh(`${command} < ${q(slice)} > ${q(join(dir.path, name))}`);
      }
      // The fixture disk, when not cached, and three compressions on 2 busy cores.
    }, 600_000);

    afterAll(async () => {
      await dir?.remove();
    });

    for (const [name] of TOOLS) {
      it(`${name} with a flipped byte in the middle: an existing target is said to be incomplete`, async () => {
        const damaged = join(dir.path, `flipped-${name}`);
        await copyFile(join(dir.path, name), damaged);
        await flipMiddleByte(damaged);
        const target = join(dir.path, `target-flipped-${name}.img`);
        await randomFile(target, SLICE_MIB * 2 ** 20, name);

        const result = await spillway(['restore', damaged, target, '--yes']);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/damaged|cut short/);
        expect(result.stderr).toContain(`${target} holds an incomplete restore`);
        // No summary of a restore (zstd's own message says "Restored data doesn't match").
        expect(result.stderr).not.toMatch(/^Restored |read back and compared/m);
        // xz -T0's blocks are decoded apart: the damage is found in its block, by its check.
        if (name === 'disk.img.xz' && byBlock) {
          expect(result.stderr).toMatch(/decoding failed in xz block [2-7] of 8, after \d+ bytes/);
        }
      }, 180_000);

      it(`${name} cut in the middle: a new target file is removed, not left as if restored`, async () => {
        const cut = join(dir.path, `cut-${name}`);
        await copyFile(join(dir.path, name), cut);
        await truncate(cut, Math.floor((await stat(cut)).size / 2));
        const target = join(dir.path, `target-cut-${name}.img`);

        const result = await spillway(['restore', cut, target, '--yes']);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/cut short|truncated|damaged/i);
        // No summary of a restore (zstd's own message says "Restored data doesn't match").
        expect(result.stderr).not.toMatch(/^Restored |read back and compared/m);
        expect(existsSync(target)).toBe(false);
      }, 180_000);
    }

    it('xz -T0 image with a damaged middle block onto a drive: the blocks before it are there', async () => {
      const damaged = join(dir.path, 'flipped-blocks.xz');
      await copyFile(join(dir.path, 'disk.img.xz'), damaged);
      // The 5th of 8 blocks of 3 MiB (xz -1 -T0): the first 12 MiB are written before it.
      const listing = await sh(`xz --robot -lvv ${q(damaged)}`);
      const blocks = listing.split('\n').filter((line) => line.startsWith('block\t'));
      expect(blocks).toHaveLength(8);
      // --robot: block, stream, block in stream, block in file, its file offset, its
      // uncompressed offset, its size in the file, ...
      const fields = blocks[4]!.split('\t').map(Number);
      expect(fields[5]).toBe(12 * 2 ** 20);
      await flipMiddleByte(damaged, fields[4]! + Math.floor(fields[6]! / 2));
      const file = join(dir.path, 'target-blocks.img');
      await randomFile(file, SLICE_MIB * 2 ** 20, 'blocks');
      const target = await attachLoop(file);
      try {
        const result = await spillway(['restore', damaged, target.path, '--yes']);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(`${target.path} holds an incomplete restore`);
        expect(result.stderr).not.toMatch(/^Restored |read back and compared/m);
        if (byBlock) {
          expect(result.stderr).toMatch(/decoding failed in xz block 5 of 8, after 12582912 bytes/);
        }
        // What was written before the damaged block is the image's.
        await sh(`cmp -n ${12 * 2 ** 20} ${q(slice)} ${q(target.path)}`);
      } finally {
        await target.detach();
      }
    }, 180_000);

    it('restores the intact images in one pass, checked by their own checksums', async () => {
      for (const [name] of TOOLS) {
        const target = join(dir.path, `target-intact-${name}.img`);
        const result = await spillway(['restore', join(dir.path, name), target, '--yes', '--json']);
        expect(result.code, result.stderr).toBe(0);
        const events = jsonEvents(result.stdout);
        const done = events.find((e) => e.type === 'done');
        expect(done?.result).toMatchObject({
          checked: 'codec-checksums-while-writing',
          readBack: true,
        });
        // One pass: no phase checks the image before writing.
        expect(events.some((e) => e.phase === 'checking')).toBe(false);
        await sh(`cmp ${q(slice)} ${q(target)}`);
      }
    }, 300_000);
  },
);
