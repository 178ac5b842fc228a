// The failing drives the fault tests use: real I/O errors from the kernel on a loop device, on
// exactly the ranges asked for, after the bytes asked for, and writes only where allowed.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultyDrive, unreadableTarget } from './faulty-drive.js';
import { randomFile } from './fixtures.js';
import { detachAll } from './loop-devices.js';
import { noLoopReason } from './root.js';
import { q, shStatus } from './shell.js';
import { tempDir } from './temp-dir.js';

const MiB = 2 ** 20;
// Bytes are compared with Buffer.equals: vitest's deep equality takes minutes over MiBs.

/** Reads `count` sectors at sector `skip` past the page cache; the bytes, or the error. */
async function readSectors(device: string, skip: number, count: number) {
  const result = await shStatus(
    `dd if=${q(device)} bs=512 skip=${skip} count=${count} iflag=direct status=none | base64 -w0`,
  );
  return {
    ok: result.code === 0,
    bytes: Buffer.from(result.stdout, 'base64'),
    error: result.stderr,
  };
}

describe.skipIf(noLoopReason)(`failing drives (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let backing: string;
  let bytes: Buffer;

  beforeAll(async () => {
    dir = await tempDir();
    backing = join(dir.path, 'backing.img');
    await randomFile(backing, 8 * MiB, 'faulty-drive');
    bytes = await readFile(backing);
  });
  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  it('fails reads that touch a bad range, with EIO, and serves every other sector', async () => {
    const drive = await faultyDrive(backing, { bad: [[MiB + 100, MiB + 200]] });
    try {
      const before = await readSectors(drive.path, MiB / 512 - 1, 1);
      expect(before.ok).toBe(true);
      expect(before.bytes.equals(bytes.subarray(MiB - 512, MiB))).toBe(true);
      const bad = await readSectors(drive.path, MiB / 512, 1);
      expect(bad.ok).toBe(false);
      expect(bad.error).toMatch(/Input\/output error/);
      const after = await readSectors(drive.path, MiB / 512 + 1, 8);
      expect(after.bytes.equals(bytes.subarray(MiB + 512, MiB + 512 * 9))).toBe(true);
      // Read-only: a write does not reach the backing file.
      const write = await shStatus(
        `head -c 512 /dev/zero | dd of=${q(drive.path)} bs=512 seek=0 oflag=direct status=none`,
      );
      expect(write.code).not.toBe(0);
    } finally {
      await drive.stop();
    }
    expect((await readFile(backing)).equals(bytes)).toBe(true);
  });

  it('vanishes after the bytes asked for: every read after that fails, wherever it is', async () => {
    const drive = await faultyDrive(backing, { vanishAfter: 2 * MiB });
    try {
      const first = await readSectors(drive.path, 0, MiB / 512);
      expect(first.ok).toBe(true);
      expect(first.bytes.equals(bytes.subarray(0, MiB))).toBe(true);
      // The second MiB is served, the third is not.
      const on = await readSectors(drive.path, MiB / 512, (2 * MiB) / 512);
      expect(on.ok).toBe(false);
      expect(on.bytes.length).toBeLessThan(2 * MiB);
      expect((await readSectors(drive.path, (6 * MiB) / 512, 1)).ok).toBe(false);
      expect((await readSectors(drive.path, 0, 1)).ok).toBe(false);
    } finally {
      await drive.stop();
    }
  });

  it('a writable target takes writes everywhere but cannot read its bad range back', async () => {
    const target = await unreadableTarget(backing, [[3 * MiB, 3 * MiB + 4096]]);
    try {
      const write = await shStatus(
        `head -c 8192 /dev/zero | dd of=${q(target.path)} bs=4096 seek=${(3 * MiB) / 4096} oflag=direct status=none`,
      );
      expect(write.code, write.stderr).toBe(0);
      expect((await readSectors(target.path, (3 * MiB) / 512, 1)).ok).toBe(false);
      const next = await readSectors(target.path, (3 * MiB + 4096) / 512, 8);
      expect(next.bytes.equals(Buffer.alloc(4096))).toBe(true);
    } finally {
      await target.stop();
    }
    const after = await readFile(backing);
    expect(after.subarray(3 * MiB, 3 * MiB + 8192).equals(Buffer.alloc(8192))).toBe(true);
    expect(after.subarray(0, 3 * MiB).equals(bytes.subarray(0, 3 * MiB))).toBe(true);
  });
});
