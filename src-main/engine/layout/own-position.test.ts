import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlacedPartition } from '../../../src-shared/protocol/plans.js';
import { openFileReadAt } from '../../test-support/file-read-at.js';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { MiB } from './plan-layout.js';
import { ownPositionWrites } from './own-position.js';

let dir: { path: string; remove(): Promise<void> };
beforeAll(async () => (dir = await tempDir()));
afterAll(() => dir.remove());

const OLD = MiB;
const NEW = 9 * MiB;

/** A volume made by `mkfs` (told it starts at OLD), placed at NEW in a disk file. */
async function movedVolume(name: string, mkfs: (volume: string) => string): Promise<string> {
  const volume = join(dir.path, `${name}.vol`);
  const disk = join(dir.path, `${name}.disk`);
  await sh(`truncate -s 40M ${q(volume)} && ${mkfs(volume)} >/dev/null`);
  await sh(`truncate -s 60M ${q(disk)}`);
  await sh(`dd if=${q(volume)} of=${q(disk)} bs=1M seek=9 conv=notrunc status=none`);
  return disk;
}

async function apply(disk: string, partition: PlacedPartition) {
  const file = await openFileReadAt(disk);
  const handle = await open(disk, 'r+');
  try {
    const writes = await ownPositionWrites(file.read, [partition]);
    for (const { bytes, position } of writes) await handle.write(bytes, 0, bytes.length, position);
    return writes;
  } finally {
    await handle.close();
    await file.close();
  }
}

const placed = (filesystem: string, start = OLD): PlacedPartition => ({
  index: 1,
  filesystem,
  container: false,
  start,
  size: 40 * MiB,
  newStart: NEW,
  newSize: 40 * MiB,
});

/** The volume back out of the disk, to check with its own tools. */
async function volumeOf(disk: string): Promise<Buffer> {
  return (await readFile(disk)).subarray(NEW, NEW + 40 * MiB);
}

describe("a moved volume's own position", () => {
  it('FAT32: the boot sector and its backup name the new start; fsck.vfat is clean', async () => {
    const disk = await movedVolume('fat', (v) => `mkfs.vfat -F 32 -h ${OLD / 512} ${q(v)}`);
    const writes = await apply(disk, placed('fat32'));
    expect(writes.map((w) => w.position)).toEqual([NEW, NEW + 6 * 512]);
    const volume = await volumeOf(disk);
    expect(volume.readUInt32LE(0x1c)).toBe(NEW / 512);
    expect(volume.readUInt32LE(6 * 512 + 0x1c)).toBe(NEW / 512);
    const out = join(dir.path, 'fat.check');
    await sh(`dd if=${q(disk)} of=${q(out)} bs=1M skip=9 count=40 status=none`);
    await sh(`fsck.vfat -n ${q(out)}`);
  });

  it('NTFS: the boot sector and its backup past the volume name the new start', async () => {
    const disk = await movedVolume('ntfs', (v) => `mkfs.ntfs -F -Q -p ${OLD / 512} ${q(v)}`);
    const writes = await apply(disk, placed('ntfs'));
    expect(writes).toHaveLength(2);
    const volume = await volumeOf(disk);
    expect(volume.readUInt32LE(0x1c)).toBe(NEW / 512);
    const backup = Number(volume.readBigUInt64LE(0x28)) * 512;
    expect(volume.toString('latin1', backup + 3, backup + 11)).toBe('NTFS    ');
    expect(volume.readUInt32LE(backup + 0x1c)).toBe(NEW / 512);
  });

  it('leaves a count that never named the partition, and unmoved volumes, alone', async () => {
    const disk = await movedVolume('fat0', (v) => `mkfs.vfat -F 32 -h 0 ${q(v)}`);
    expect(await apply(disk, placed('fat32'))).toEqual([]);
    expect(await apply(disk, { ...placed('fat32', NEW) })).toEqual([]);
  });
});
