// Used-blocks mode on real disks (make-test-disk.sh: FAT32 ESP, ext4 root with stale random
// bytes in its free space, swap) with GPT and MBR tables: only what the filesystems use is
// read; the restored disk, on a target full of other random bytes, passes fsck and holds the
// same file tree. What the reader cannot vouch for is read whole and byte-exact.

import { copyFile, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, Partition } from '../../src-shared/manifest.js';
import { openImage } from '../engine/image/open-image.js';
import { clip, normalize } from '../engine/ranges.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { extUsedBytes, fatUsedBounds } from '../test-support/fs-tools.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;
const DISK_MIB = 160;

async function manifestOf(image: string): Promise<Manifest> {
  const info = jsonEvents((await spillway(['inspect', image, '--json'])).stdout)[0]!;
  return info['manifest'] as Manifest;
}

/** Names, sizes, modes and SHA-256 of every file under `dir`, sorted. */
async function fileTree(dir: string): Promise<string> {
  return sh(
    `cd ${q(dir)} && find . -printf '%y %p %s %m\\n' | sort && ` +
      `find . -type f -print0 | sort -z | xargs -0 -r sha256sum`,
  );
}

/** An ext filesystem's tree, mounted read-only (no journal replay) for the comparison. */
async function extTree(device: string, mountPoint: string): Promise<string> {
  await mkdir(mountPoint, { recursive: true });
  await sh(`mount -o ro,noload ${q(device)} ${q(mountPoint)}`);
  try {
    return await fileTree(mountPoint);
  } finally {
    await sh(`umount ${q(mountPoint)}`);
  }
}

/** A FAT filesystem's tree, copied out with mtools (this kernel has no FAT driver). */
async function fatTree(device: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  await sh(`MTOOLS_SKIP_CHECK=1 mcopy -s -p -n -i ${q(device)} ::/ ${q(into)}`);
  return sh(`cd ${q(into)} && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`);
}

describe.skipIf(noLoopReason)(`used-blocks mode (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
  });

  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  describe.each(['gpt', 'mbr'] as const)('%s disk', (table) => {
    let source: LoopDevice;
    let image: string;
    let manifest: Manifest;
    const partition = (index: number) =>
      manifest.partitionTable!.partitions.find((p) => p.index === index)!;

    beforeAll(async () => {
      source = await attachLoop(await fixtureDisk({ sizeMiB: DISK_MIB, table }), {
        readOnly: true,
        partitions: true,
      });
      image = join(dir.path, `${table}.img.zst`);
      const made = await spillway(['backup', source.path, image]);
      expect(made.code, made.stderr).toBe(0);
      manifest = await manifestOf(image);
    }, 120_000);

    it('reads only what the filesystems use, and says so in plan and manifest', async () => {
      expect(manifest.mode).toBe('used');
      expect(manifest.partitionTable?.type).toBe(table);
      const [esp, root, swap] = [1, 2, 3].map(partition) as [Partition, Partition, Partition];
      expect([esp.filesystem, root.filesystem, swap.filesystem]).toEqual(['fat32', 'ext4', 'swap']);
      for (const p of [esp, root, swap]) expect(p.mode).toBe('used');
      const dontCare = manifest.dontCare.reduce((sum, [a, b]) => sum + b - a, 0);
      expect(dontCare).toBeGreaterThan(DISK_MIB * MIB * 0.3);

      const plan = jsonEvents((await spillway(['plan', source.path, '--json'])).stdout)[0]!;
      expect(plan['bytesToRead']).toBe(DISK_MIB * MIB - dontCare);
    });

    it('agrees with dumpe2fs (ext4) and fsck.fat (FAT32) about what is in use', async () => {
      expect(partition(2).usedBytes).toBe(await extUsedBytes(`${source.path}p2`));
      const fat = await fatUsedBounds(`${source.path}p1`);
      const esp = partition(1).usedBytes!;
      expect(esp).toBeGreaterThanOrEqual(fat.min);
      expect(esp).toBeLessThan(fat.below);
    });

    it('restores onto a drive full of other bytes: fsck clean, the same files', async () => {
      const file = join(dir.path, `${table}-target.bin`);
      await randomFile(file, DISK_MIB * MIB, `${table}-target`);
      const target = await attachLoop(file);
      const restored = await spillway(['restore', image, target.path, '--yes']);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stderr).toMatch(/read back and compared: identical/);
      await target.detach();
      const again = await attachLoop(file, { partitions: true });
      await sh(`fsck.ext4 -n -f ${q(again.path)}p2`);
      await sh(`fsck.fat -n ${q(again.path)}p1`);
      expect(await sh(`blkid -o value -s TYPE ${q(again.path)}p3`)).toBe('swap\n');
      const extSource = await extTree(`${source.path}p2`, join(dir.path, 'mnt-source'));
      expect(extSource.split('\n').length).toBeGreaterThan(100);
      expect(await extTree(`${again.path}p2`, join(dir.path, 'mnt-restored'))).toBe(extSource);
      const fatSource = await fatTree(`${source.path}p1`, join(dir.path, `${table}-fat-source`));
      expect(fatSource.split('\n').length).toBeGreaterThan(3);
      expect(await fatTree(`${again.path}p1`, join(dir.path, `${table}-fat-restored`))).toBe(
        fatSource,
      );
      await again.detach();
    }, 120_000);

    it('gives the same image when frames wait in the spill buffer between runs of free space', async () => {
      // A slow writer makes the reader run ahead: frames go to disk and come back into the
      // reader's slots, between frames of free space (zeros) that reuse those slots. Nothing
      // may take a slot for zeros that a spilled frame has filled since.
      const spilled = join(dir.path, `${table}-spilled.img.zst`);
      await mkdir(join(dir.path, 'spill'), { recursive: true });
      const run = await spillway([
        'backup',
        source.path,
        spilled,
        '--json',
        '--frame-size',
        '256K',
        '--spill-dir',
        join(dir.path, 'spill'),
        '--max-write-rate',
        '16M',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const peak = Math.max(
        ...jsonEvents(run.stdout).map((e) => (e['spill'] as { peak?: number } | null)?.peak ?? 0),
      );
      expect(peak).toBeGreaterThan(0);
      const stream = (path: string) => sh(`zstd -dc ${q(path)} | sha256sum`);
      expect(await stream(spilled)).toBe(await stream(image));
      const verify = await spillway(['verify', spilled]);
      expect(verify.code, verify.stdout).toBe(0);
    }, 120_000);

    it('restores past a damaged frame that holds only unused bytes; verify still names it', async () => {
      // Restore writes nothing from such a frame, so it does not decode it: the damage cannot
      // reach the drive. Verify reads every frame and reports it.
      const unused = normalize(manifest.dontCare);
      const opened = await openImage(image);
      const frame =
        opened.layout === 'indexed'
          ? opened.frames.find((f) => {
              const covered = clip(unused, f.driveOffset, f.driveOffset + f.size);
              return covered.length === 1 && covered[0]![1] - covered[0]![0] === f.size;
            })
          : undefined;
      await opened.input.close();
      expect(frame).toBeDefined();
      const damaged = join(dir.path, `${table}-damaged.img.zst`);
      await copyFile(image, damaged);
      // The frame's last byte is part of its checksum: decoding it must fail.
      const handle = await open(damaged, 'r+');
      const at = frame!.fileOffset + frame!.compressedSize - 1;
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, at);
      await handle.write(Buffer.from([byte[0]! ^ 0x01]), 0, 1, at);
      await handle.close();

      const target = join(dir.path, `${table}-past-damage.bin`);
      await randomFile(target, DISK_MIB * MIB, `${table}-past-damage`);
      const restored = await spillway(['restore', damaged, target, '--yes']);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stderr).toMatch(/read back and compared: identical/);
      const verify = await spillway(['verify', damaged]);
      expect(verify.code).toBe(3);
      expect(verify.stdout).toContain(
        `frame ${frame!.index}, drive bytes ${frame!.driveOffset}–${frame!.driveOffset + frame!.size}`,
      );
    });
  });

  it('restores onto a slightly smaller drive: partitions byte-exact, GPT moved to the new end', async () => {
    const disk = await fixtureDisk({ sizeMiB: DISK_MIB });
    const source = await attachLoop(disk, { readOnly: true, partitions: true });
    const image = join(dir.path, 'shrink.img.zst');
    expect((await spillway(['backup', source.path, image, '--mode', 'raw'])).code).toBe(0);

    // 512 KiB short: only the unpartitioned tail (and the old backup GPT) does not fit.
    const file = join(dir.path, 'smaller.bin');
    await randomFile(file, DISK_MIB * MIB - 512 * 1024, 'smaller');
    const target = await attachLoop(file);
    const restored = await spillway(['restore', image, target.path, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    await target.detach();
    const check = await sh(`sfdisk -V ${q(file)} 2>&1`);
    expect(check).toContain('No errors detected');
    expect(check).not.toMatch(/mismatch|corrupt|invalid/i);
    const restoredTable = JSON.parse(await sh(`sfdisk -J ${q(file)}`)) as {
      partitiontable: {
        label: string;
        lastlba: number;
        partitions: Array<{ start: number; size: number }>;
      };
    };
    expect(restoredTable.partitiontable.label).toBe('gpt');
    expect(restoredTable.partitiontable.partitions).toHaveLength(3);
    expect(restoredTable.partitiontable.lastlba).toBeLessThan((DISK_MIB * MIB - 512 * 1024) / 512);
    for (const p of restoredTable.partitiontable.partitions) {
      await sh(
        `cmp -n ${p.size * 512} <(tail -c +${p.start * 512 + 1} ${q(disk)}) <(tail -c +${p.start * 512 + 1} ${q(file)})`,
      );
    }

    // 10 MiB short: the swap partition would be cut. Refused, nothing written.
    const tooSmall = join(dir.path, 'too-small.bin');
    await randomFile(tooSmall, (DISK_MIB - 10) * MIB, 'too-small');
    const small = await attachLoop(tooSmall);
    const before = await sh(`sha256sum < ${q(tooSmall)}`);
    const refused = await spillway(['restore', image, small.path, '--yes']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/too small.*partition 3 would not fit/);
    await small.detach();
    expect(await sh(`sha256sum < ${q(tooSmall)}`)).toBe(before);
    await source.detach();
  }, 120_000);

  it('an ext4 with an unknown feature, and a partition of no known filesystem, are read whole', async () => {
    // Partition 2: ext4 marked with incompatible feature bit 20 (unknown); partition 3 of the
    // MBR copy gets random bytes instead of swap.
    const file = join(dir.path, 'odd.bin');
    await sh(`cp ${q(await fixtureDisk({ sizeMiB: DISK_MIB, table: 'mbr' }))} ${q(file)}`);
    const odd = await attachLoop(file, { partitions: true });
    await sh(`debugfs -w -R 'feature FEATURE_I20' ${q(odd.path)}p2 2>/dev/null`);
    await sh(`head -c ${8 * MIB} /dev/urandom > ${q(odd.path)}p3`);
    const plan = jsonEvents((await spillway(['plan', odd.path, '--json'])).stdout)[0]!;
    const parts = plan['partitions'] as Partition[];
    expect(parts[1]).toMatchObject({ index: 2, mode: 'raw' });
    expect(parts[1]!.reason).toMatch(/feature 0x100000 is unknown/);
    expect(parts[2]).toMatchObject({ index: 3, mode: 'raw', filesystem: null });

    const image = join(dir.path, 'odd.img.zst');
    expect((await spillway(['backup', odd.path, image])).code).toBe(0);
    const target = join(dir.path, 'odd-target.bin');
    await randomFile(target, DISK_MIB * MIB, 'odd-target');
    const restored = await spillway(['restore', image, target, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    for (const p of parts.slice(1)) {
      await sh(
        `cmp -n ${p.size} <(tail -c +${p.start + 1} ${q(file)}) <(tail -c +${p.start + 1} ${q(target)})`,
      );
    }
    await odd.detach();
  }, 120_000);
});
