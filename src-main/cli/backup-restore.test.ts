// End to end on real block devices: back up a loop device over a fixture disk, check the
// image with the real zstd, restore it onto another loop device, break images on purpose.

import { execSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { copyFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../engine/image/open-image.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh, shStatus } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const DISK_MIB = 160;

/** The whole disk holding /, when / is on a block device (not in every container). */
const systemDisk = ((): string | null => {
  try {
    const root = execSync('findmnt -no SOURCE / | head -1').toString().trim();
    const parent = execSync(`lsblk -no PKNAME ${q(root)} 2>/dev/null || true`)
      .toString()
      .trim();
    const disk = parent ? `/dev/${parent}` : root;
    return statSync(disk).isBlockDevice() ? disk : null;
  } catch {
    return null;
  }
})();

async function sha256Of(path: string): Promise<string> {
  return (await sh(`sha256sum ${q(path)}`)).split(' ')[0]!;
}

/** A fresh target: a loop device over a file of other (random) bytes. */
async function freshTarget(dir: string, name: string, bytes = DISK_MIB * 2 ** 20) {
  const file = join(dir, `${name}.img`);
  await randomFile(file, bytes, name);
  return attachLoop(file);
}

describe.skipIf(noLoopReason)(
  `backup and restore of loop devices (${noLoopReason ?? 'root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let disk: string;
    let source: LoopDevice;
    let image: string;

    beforeAll(async () => {
      dir = await tempDir();
      disk = await fixtureDisk({ sizeMiB: DISK_MIB });
      source = await attachLoop(disk, { readOnly: true });
      image = join(dir.path, 'disk.img.zst');
      // Raw mode: these tests hold every byte of the drive to account (used mode: used-blocks.test.ts).
      const result = await spillway(['backup', source.path, image, '--json', '--mode', 'raw']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    afterAll(async () => {
      detachAll();
      await dir?.remove();
    });

    it('makes an image that the real zstd turns back into the drive', async () => {
      await sh(`zstd -dc ${q(image)} | cmp - ${q(source.path)}`);
      const events = jsonEvents((await spillway(['inspect', image, '--json'])).stdout);
      expect(events).toHaveLength(1);
      const info = events[0] as unknown as {
        layout: string;
        payloadSize: number;
        manifest: { streamSha256: string };
      };
      expect(info.layout).toBe('indexed');
      expect(info.payloadSize).toBe(DISK_MIB * 2 ** 20);
      // The manifest's hash is the one `zstd -dc img | sha256sum` gives, as promised.
      expect(info.manifest.streamSha256).toBe(
        (await sh(`zstd -dc ${q(image)} | sha256sum`)).split(' ')[0],
      );
    });

    it('restores onto a drive holding other bytes, and reads it back', async () => {
      const target = await freshTarget(dir.path, 'restore-target');
      const result = await spillway(['restore', image, target.path, '--yes', '--json']);
      expect(result.code).toBe(0);
      const done = jsonEvents(result.stdout).find((e) => e.type === 'done') as unknown as {
        result: { readBack: boolean; bytesWritten: number };
      };
      expect(done.result.readBack).toBe(true);
      expect(done.result.bytesWritten).toBe(DISK_MIB * 2 ** 20);
      await sh(`cmp ${q(source.path)} ${q(target.path)}`);
      await target.detach();
    });

    it('asks for the drive’s name and writes nothing when it is typed wrong', async () => {
      const target = await freshTarget(dir.path, 'confirm-target');
      const before = await sha256Of(target.path);
      const wrong = await spillway(['restore', image, target.path], 'sda\n');
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toContain(`Type ${target.path.slice(5)} to continue`);
      expect(wrong.stderr).toContain('Nothing was written');
      expect(await sha256Of(target.path)).toBe(before);
      const right = await spillway(['restore', image, target.path], `${target.path.slice(5)}\n`);
      expect(right.code).toBe(0);
      await sh(`cmp ${q(source.path)} ${q(target.path)}`);
      await target.detach();
    });

    it('names the damaged frame of an image with one flipped byte, and refuses to restore it', async () => {
      const damaged = join(dir.path, 'damaged.img.zst');
      await copyFile(image, damaged);
      const opened = await openImage(image);
      const frame =
        opened.layout === 'indexed' ? opened.frames[Math.floor(opened.frames.length / 2)]! : null;
      await opened.input.close();
      expect(frame).not.toBeNull();
      const at = frame!.fileOffset + Math.floor(frame!.compressedSize / 2);
      const handle = await open(damaged, 'r+');
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0x40;
      await handle.write(byte, 0, 1, at);
      await handle.close();

      const verify = await spillway(['verify', damaged]);
      expect(verify.code).toBe(3);
      const driveRange = `drive bytes ${frame!.driveOffset}–${frame!.driveOffset + frame!.size}`;
      const fileRange = `file bytes ${frame!.fileOffset}–${frame!.fileOffset + frame!.compressedSize}`;
      expect(verify.stdout).toContain(`frame ${frame!.index}, ${driveRange}, ${fileRange}`);

      const target = await freshTarget(dir.path, 'damage-target');
      const before = await sha256Of(target.path);
      const restore = await spillway(['restore', damaged, target.path, '--yes']);
      expect(restore.code).toBe(3);
      expect(restore.stderr).toMatch(/damaged.*Nothing was written/);
      expect(await sha256Of(target.path)).toBe(before);
      await target.detach();
    });

    it('restores images made by zstd, gzip and xz from the drive, byte-exact', async () => {
      for (const [name, command] of [
        ['plain.img.zst', 'zstd -q -T0 -c'],
        ['plain.img.gz', 'gzip -1 -c'],
        ['plain.img.xz', 'xz -1 -T0 -c'],
      ] as const) {
        const foreign = join(dir.path, name);
        await sh(`${command} < ${q(source.path)} > ${q(foreign)}`);
        const info = await spillway(['inspect', foreign, '--json']);
        expect(JSON.parse(info.stdout).layout).toBe('stream');
        const target = await freshTarget(dir.path, `foreign-${name}`);
        const result = await spillway(['restore', foreign, target.path, '--yes']);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toContain('read back and compared: identical');
        await sh(`cmp ${q(source.path)} ${q(target.path)}`);
        await target.detach();
      }
      // Three compressions and three one-pass restores of 160 MiB: about a minute on 2 busy
      // cores, more when other test files run beside it.
    }, 300_000);

    it('restores a plain .img file', async () => {
      const target = await freshTarget(dir.path, 'raw-target');
      const result = await spillway(['restore', disk, target.path, '--yes']);
      expect(result.code, result.stderr).toBe(0);
      await sh(`cmp ${q(disk)} ${q(target.path)}`);
      await target.detach();
    });

    it('refuses a drive that is too small, before writing anything', async () => {
      const small = await freshTarget(dir.path, 'small-target', 100 * 2 ** 20);
      const before = await sha256Of(small.path);
      const result = await spillway(['restore', image, small.path, '--yes']);
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/too small: the image needs 160 MiB/);
      expect(await sha256Of(small.path)).toBe(before);
      await small.detach();
    });

    it('refuses a drive with a mounted partition', async () => {
      const target = await freshTarget(dir.path, 'mounted-target');
      await spillway(['restore', image, target.path, '--yes']);
      await sh(`partx -a ${q(target.path)}`);
      const mountPoint = join(dir.path, 'mnt');
      await sh(
        `mkdir -p ${q(mountPoint)} && mount -o ro ${q(target.path + 'p2')} ${q(mountPoint)}`,
      );
      try {
        const result = await spillway(['restore', image, target.path, '--yes']);
        expect(result.code).toBe(4);
        expect(result.stderr).toContain(`${target.path}p2 on ${mountPoint}`);
      } finally {
        await shStatus(`umount ${q(mountPoint)}`);
      }
      await target.detach();
    });

    it.skipIf(!systemDisk)('refuses the drive this computer runs from', async () => {
      const result = await spillway(['restore', image, systemDisk!, '--yes']);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`${systemDisk} cannot be used: this computer runs from it.`);
    });
  },
);
