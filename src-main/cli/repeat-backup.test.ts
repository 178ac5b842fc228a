// A repeat backup with --base, on real loop devices: a drive changed in a few places (random
// bytes at chosen offsets; files changed on its mounted ext4) is backed up again with the
// earlier image as base. The new image is what a fresh backup of the changed drive is (after
// `zstd -dc`), its SHA-256 is the drive's, it verifies and restores with the base deleted, and
// exactly the frames that did not change were copied. Bases that cannot serve (another drive,
// another level) or serve in part (a damaged frame) say so, and the image is still right.

import { createHash } from 'node:crypto';
import { copyFile, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../src-shared/protocol/events.js';
import { openImage } from '../engine/image/open-image.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { diskLayout } from '../test-support/fixture-disk.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MiB = 2 ** 20;
const DISK_MIB = 160;
const FRAME = MiB;
const FRAMES = DISK_MIB;

interface Run {
  code: number;
  result: BackupResult;
  warnings: string[];
  stderr: string;
  /** The most bytes the spill buffer held on disk, as progress events said. */
  spillPeak: number;
}

/** `spillway backup` of the drive file (on a loop device attached for this run only). */
async function backupOf(drive: string, image: string, args: string[]): Promise<Run> {
  // A new loop device each time: nothing read before the drive changed is cached.
  const loop = await attachLoop(drive, { readOnly: true });
  try {
    const run = await spillway([
      'backup',
      loop.path,
      image,
      '--frame-size',
      '1M',
      '--json',
      ...args,
    ]);
    const events = jsonEvents(run.stdout);
    const done = events.find((e) => e.type === 'done') as { result: BackupResult } | undefined;
    const warnings = events
      .filter((e) => e.type === 'warning')
      .map((e) => (e as unknown as { message: string }).message);
    const spillPeak = Math.max(
      0,
      ...events
        .filter((e) => e.type === 'progress')
        .map((e) => (e as { spill?: { bytes: number } }).spill?.bytes ?? 0),
    );
    return {
      code: run.code,
      result: done?.result as BackupResult,
      warnings,
      stderr: run.stderr,
      spillPeak,
    };
  } finally {
    await loop.detach();
  }
}

async function sha256Of(path: string): Promise<string> {
  return (await sh(`sha256sum ${q(path)}`)).split(' ')[0]!;
}

/** The image's bytes decoded by the real zstd, into a file. */
async function decoded(image: string): Promise<string> {
  const out = `${image}.decoded`;
  await sh(`zstd -dc ${q(image)} > ${q(out)}`);
  return out;
}

/** How many frames of two equal-sized files hold the same bytes. */
async function equalFrames(a: string, b: string): Promise<number> {
  const [x, y] = [await readFile(a), await readFile(b)];
  expect(x.byteLength).toBe(y.byteLength);
  let equal = 0;
  for (let at = 0; at < x.byteLength; at += FRAME) {
    if (x.subarray(at, at + FRAME).equals(y.subarray(at, at + FRAME))) equal++;
  }
  return equal;
}

/** Writes random bytes at `offset` of the file. */
async function scribble(file: string, offset: number, length: number, seed: string) {
  const bytes = createHash('sha512').update(seed).digest().subarray(0, length);
  const handle = await open(file, 'r+');
  try {
    await handle.write(bytes, 0, length, offset);
  } finally {
    await handle.close();
  }
}

// Each test makes several backups of the drive: minutes on a loaded 2-core machine.
describe.skipIf(noLoopReason)(
  `backup --base (${noLoopReason ?? 'root'})`,
  { timeout: 600_000 },
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let drive: string;
    let base: string;

    beforeAll(async () => {
      dir = await tempDir();
      // A copy of the fixture disk that the test may change (the cached one is never written).
      drive = join(dir.path, 'drive.img');
      await copyFile(await fixtureDisk({ sizeMiB: DISK_MIB }), drive);
      base = join(dir.path, 'base.img.zst');
      const first = await backupOf(drive, base, ['--mode', 'raw']);
      expect(first.code).toBe(0);
    });

    afterAll(async () => {
      detachAll();
      await dir?.remove();
    });

    it('copies every frame not touched, and makes the image a fresh backup makes', async () => {
      // Frames 5, 77 and 78 (8 bytes across their border), 150.
      const changes = [
        [5 * MiB + 100, 16],
        [78 * MiB - 4, 8],
        [150 * MiB + 12345, 32],
      ] as const;
      for (const [offset, length] of changes) await scribble(drive, offset, length, `${offset}`);
      const touched = 4;

      const repeat = join(dir.path, 'repeat.img.zst');
      const run = await backupOf(drive, repeat, ['--mode', 'raw', '--base', base]);
      expect(run.code).toBe(0);
      expect(run.result.base).toEqual({
        image: base,
        framesReused: FRAMES - touched,
        framesDamaged: 0,
      });
      expect(run.warnings).toEqual([]);
      const fresh = join(dir.path, 'fresh.img.zst');
      expect((await backupOf(drive, fresh, ['--mode', 'raw'])).code).toBe(0);

      const [repeatBytes, freshBytes] = [await decoded(repeat), await decoded(fresh)];
      await sh(`cmp ${q(repeatBytes)} ${q(freshBytes)}`);
      await sh(`cmp ${q(repeatBytes)} ${q(drive)}`);
      expect(run.result.streamSha256).toBe(await sha256Of(drive));
      // The count of frames copied is the count of frames the base and the drive share.
      expect(await equalFrames(await decoded(base), drive)).toBe(FRAMES - touched);

      // Without the base, it verifies and restores.
      const keptBase = join(dir.path, 'base-kept.img.zst');
      await copyFile(base, keptBase);
      await rm(base);
      try {
        const verify = await spillway(['verify', repeat]);
        expect(verify.code).toBe(0);
        const targetFile = join(dir.path, 'target.img');
        await randomFile(targetFile, DISK_MIB * MiB, 'repeat-target');
        const target = await attachLoop(targetFile);
        try {
          const restore = await spillway(['restore', repeat, target.path, '--yes']);
          expect(restore.stderr).not.toMatch(/error/i);
          expect(restore.code).toBe(0);
          await sh(`cmp ${q(target.path)} ${q(drive)}`);
        } finally {
          await target.detach();
        }
      } finally {
        await copyFile(keptBase, base);
      }
      const summary = await backupOfPlain(drive, join(dir.path, 'words.img.zst'), base);
      expect(summary).toContain(
        `Copied from the earlier image: ${FRAMES - touched} of ${FRAMES} frames`,
      );
    });

    it('in used mode, after files changed on the mounted ext4, copies the frames that are equal', async () => {
      const usedBase = join(dir.path, 'used-base.img.zst');
      expect((await backupOf(drive, usedBase, ['--mode', 'used'])).code).toBe(0);

      const root = diskLayout(DISK_MIB).find((p) => p.role === 'root')!;
      const part = await attachLoop(drive, {
        offset: root.startMiB * MiB,
        sizeLimit: root.sizeMiB * MiB,
      });
      const mountPoint = join(dir.path, 'mnt');
      await sh(`mkdir -p ${q(mountPoint)} && mount ${q(part.path)} ${q(mountPoint)}`);
      try {
        await sh(`head -c 3000000 /dev/urandom > ${q(join(mountPoint, 'new-file.bin'))}`);
        await sh(`echo changed >> "$(find ${q(mountPoint)} -type f -size +10k | head -1)"`);
      } finally {
        await sh(`umount ${q(mountPoint)}`);
        await part.detach();
      }

      const repeat = join(dir.path, 'used-repeat.img.zst');
      const run = await backupOf(drive, repeat, ['--mode', 'used', '--base', usedBase]);
      expect(run.code).toBe(0);
      const fresh = join(dir.path, 'used-fresh.img.zst');
      const freshRun = await backupOf(drive, fresh, ['--mode', 'used']);
      const [repeatBytes, freshBytes] = [await decoded(repeat), await decoded(fresh)];
      await sh(`cmp ${q(repeatBytes)} ${q(freshBytes)}`);
      expect(run.result.streamSha256).toBe(freshRun.result.streamSha256);
      expect(run.result.streamSha256).toBe(await sha256Of(freshBytes));
      const unchanged = await equalFrames(await decoded(usedBase), freshBytes);
      expect(unchanged).toBeLessThan(FRAMES);
      expect(unchanged).toBeGreaterThan(FRAMES / 2);
      expect(run.result.base?.framesReused).toBe(unchanged);
      expect((await spillway(['verify', repeat])).code).toBe(0);
    });

    it('does not use a base of another drive, or at another level, and says why', async () => {
      const other = join(dir.path, 'other.img');
      await randomFile(other, 96 * MiB, 'other-drive');
      const otherImage = join(dir.path, 'other.img.zst');
      const run = await backupOf(other, otherImage, ['--mode', 'raw', '--base', base]);
      expect(run.code).toBe(0);
      expect(run.result.base).toMatchObject({ refused: 'other-drive', framesReused: 0 });
      expect(run.warnings.join('\n')).toMatch(/is not used: it is an image of another drive/);
      await sh(`zstd -dc ${q(otherImage)} | cmp - ${q(other)}`);

      const level = join(dir.path, 'level.img.zst');
      const atLevel = await backupOf(drive, level, [
        '--mode',
        'raw',
        '--level',
        '5',
        '--base',
        base,
      ]);
      expect(atLevel.code).toBe(0);
      expect(atLevel.result.base).toMatchObject({ refused: 'other-level', framesReused: 0 });
      expect(atLevel.warnings.join('\n')).toMatch(
        /is not used: its frames are compressed at another level than 5/,
      );
      await sh(`zstd -dc ${q(level)} | cmp - ${q(drive)}`);
    });

    it('compresses anew exactly the damaged frame of a base, and copies the others (frames spilled)', async () => {
      // A base of the drive as it is now, so every frame could be copied.
      const current = join(dir.path, 'current.img.zst');
      expect((await backupOf(drive, current, ['--mode', 'raw'])).code).toBe(0);
      const image = await openImage(current);
      const frame = image.layout === 'indexed' ? image.frames[20]! : null;
      await image.input.close();
      await scribble(
        current,
        frame!.fileOffset + Math.floor(frame!.compressedSize / 2),
        8,
        'damage',
      );

      const repeat = join(dir.path, 'after-damage.img.zst');
      // A slow destination: frames wait in the spill buffer on their way to the codec stage.
      const run = await backupOf(drive, repeat, [
        '--mode',
        'raw',
        '--base',
        current,
        '--max-write-rate',
        '20M',
      ]);
      expect(run.spillPeak).toBeGreaterThan(0);
      expect(run.code).toBe(0);
      expect(run.result.base).toEqual({
        image: current,
        framesReused: FRAMES - 1,
        framesDamaged: 1,
      });
      expect(run.warnings.join('\n')).toMatch(/1 frame of the earlier image .* is damaged/);
      await sh(`zstd -dc ${q(repeat)} | cmp - ${q(drive)}`);
      expect((await spillway(['verify', repeat])).code).toBe(0);
    });
  },
);

/** The words a person at a terminal sees after a backup with --base. */
async function backupOfPlain(drive: string, image: string, base: string): Promise<string> {
  const loop = await attachLoop(drive, { readOnly: true });
  try {
    const run = await spillway([
      'backup',
      loop.path,
      image,
      '--frame-size',
      '1M',
      '--mode',
      'raw',
      '--base',
      base,
    ]);
    expect(run.code).toBe(0);
    return run.stderr;
  } finally {
    await loop.detach();
  }
}
