// The exFAT reader against a real filesystem: mkfs.exfat over random bytes, filled, fragmented
// and partly deleted through the FUSE driver. The proof that the map loses nothing: every byte
// it calls unused is overwritten with other random bytes, and the volume still passes fsck and
// holds the same files, byte for byte.

import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complement, totalLength } from '../../ranges.js';
import { mountExfat, noExfatFuseReason } from '../../../test-support/exfat-mount.js';
import { attachLoop } from '../../../test-support/loop-devices.js';
import { randomFile } from '../../../test-support/fixtures.js';
import { q, sh, shStatus } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Distrust } from '../../read-at.js';
import { usedBlockMap } from '../../blockmap/used-block-map.js';
import { exfatReader } from './allocation.js';

const MIB = 2 ** 20;

const readerOf = (bytes: Buffer) =>
  exfatReader.read(async (p, n) => bytes.subarray(p, p + n), bytes.byteLength);

/** The reader's Distrust reason (and fails the test when it does not distrust). */
async function distrustOf(bytes: Buffer): Promise<string> {
  const error: unknown = await readerOf(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Distrust);
  return (error as Distrust).message;
}

/** Names, sizes and sha256 of everything under `root`, sorted. */
async function tree(root: string, under = ''): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir(join(root, under), { withFileTypes: true })) {
    const path = join(under, entry.name);
    if (entry.isDirectory()) {
      lines.push(`dir ${path}`, ...(await tree(root, path)));
    } else {
      const bytes = await readFile(join(root, path));
      const sha = createHash('sha256').update(bytes).digest('hex');
      lines.push(`file ${path} ${(await stat(join(root, path))).size} ${sha}`);
    }
  }
  return lines.sort();
}

/** Files of random content, two of them written in turns (fragmented: real FAT chains), and
 *  deletions that leave holes of stale clusters between used ones. */
async function fill(mnt: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    await writeFile(join(mnt, `small-${i}.bin`), randomBytes(1000 + ((i * 7919) % 20000)));
  }
  await mkdir(join(mnt, 'a', 'b', 'c'), { recursive: true });
  await writeFile(join(mnt, 'a', 'big.bin'), randomBytes(5 * MIB));
  await writeFile(join(mnt, 'a', 'b', 'c', 'deep.txt'), randomBytes(100_000).toString('base64'));
  for (let i = 0; i < 64; i++) {
    await appendFile(join(mnt, 'a', 'b', 'x.bin'), randomBytes(16384));
    await appendFile(join(mnt, 'a', 'b', 'y.bin'), randomBytes(16384 + 100));
  }
  await mkdir(join(mnt, 'gone'));
  for (let i = 0; i < 3; i++) await writeFile(join(mnt, 'gone', `${i}.bin`), randomBytes(2 * MIB));
  await writeFile(join(mnt, 'filler.bin'), randomBytes(6 * MIB));
  for (let i = 1; i < 150; i += 2) await rm(join(mnt, `small-${i}.bin`));
  await rm(join(mnt, 'gone'), { recursive: true });
  // Lands in the holes the deletions left (the driver reuses them first).
  await writeFile(join(mnt, 'late.bin'), randomBytes(300_000));
}

/** What exfatprogs counts: the bytes before the heap, its used clusters, the tail after it. */
async function dumpFigures(image: string, size: number) {
  const dump = await sh(`dump.exfat ${q(image)}`);
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(dump)![1]);
  const sector = 2 ** field('Sector Size Bits');
  const cluster = field('Cluster size');
  const heap = field('Cluster Heap Offset \\(sector offset\\)') * sector;
  const clusters = field('Total Clusters');
  const usedClusters = clusters - field('Free Clusters');
  const tail = size - heap - clusters * cluster;
  return { expected: heap + usedClusters * cluster + tail, cluster, sector };
}

/** A copy with every byte outside `used` replaced by other random bytes. */
function scramble(bytes: Buffer, used: Array<[number, number]>) {
  const unused = complement(used, 0, bytes.byteLength);
  const scrambled = Buffer.from(bytes);
  for (const [a, b] of unused) randomBytes(b - a).copy(scrambled, a);
  return { scrambled, unusedBytes: totalLength(unused) };
}

describe.skipIf(noExfatFuseReason)(`exFAT allocation (${noExfatFuseReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  let bytes: Buffer;
  let reference: string[];
  beforeAll(async () => {
    dir = await tempDir();
    image = join(dir.path, 'exfat.img');
    await randomFile(image, 64 * MIB, 'exfat-prefill');
    await sh(`mkfs.exfat -L Spillway ${q(image)} >/dev/null`);
    const mnt = join(dir.path, 'mnt');
    await mkdir(mnt);
    const writable = await mountExfat(image, mnt);
    try {
      await fill(mnt);
    } finally {
      await writable.unmount();
    }
    // The reference is read back from a fresh mount, not from the writer's caches.
    const readOnly = await mountExfat(image, mnt, { readOnly: true });
    try {
      reference = await tree(mnt);
    } finally {
      await readOnly.unmount();
    }
    bytes = await readFile(image);
  });
  afterAll(() => dir?.remove());

  it('finds label and uuid as blkid does, and agrees with dump.exfat on the used clusters', async () => {
    expect((await shStatus(`fsck.exfat -n ${q(image)}`)).code).toBe(0);
    const allocation = (await readerOf(bytes))!;
    expect(allocation.filesystem).toBe('exfat');
    expect(allocation.label).toBe((await sh(`blkid -s LABEL -o value ${q(image)}`)).trim());
    expect(allocation.uuid).toBe((await sh(`blkid -s UUID -o value ${q(image)}`)).trim());

    const { expected, cluster } = await dumpFigures(image, bytes.byteLength);
    const total = totalLength(allocation.used);
    expect(total).toBeGreaterThanOrEqual(expected);
    expect(total).toBeLessThanOrEqual(expected + 4 * cluster);
    // The deletions left holes between used clusters and most of the volume free.
    expect(allocation.used.length).toBeGreaterThan(20);
    expect(total).toBeLessThan(30 * MIB);
  });

  it('every unused byte overwritten: fsck passes and the same files are there', async () => {
    const allocation = (await readerOf(bytes))!;
    const { scrambled, unusedBytes } = scramble(bytes, allocation.used);
    expect(unusedBytes).toBeGreaterThan(30 * MIB);
    expect(scrambled.equals(bytes)).toBe(false);
    const copy = join(dir.path, 'scrambled.img');
    await writeFile(copy, scrambled);

    const fsck = await shStatus(`fsck.exfat -n ${q(copy)}`);
    expect(fsck.stdout + fsck.stderr).toMatch(/clean/);
    expect(fsck.code).toBe(0);
    const mnt = join(dir.path, 'mnt-scrambled');
    await mkdir(mnt);
    const mount = await mountExfat(copy, mnt, { readOnly: true });
    try {
      expect(reference.length).toBeGreaterThan(80);
      expect(await tree(mnt)).toEqual(reference);
    } finally {
      await mount.unmount();
    }
  });

  it('a dirty volume, a broken boot checksum, a FAT loop, a bitmap that misses the root: distrusted', async () => {
    const dirty = Buffer.from(bytes);
    dirty[106]! |= 0x2; // VolumeFlags lie outside the checksum: this alone is dirty
    expect(await distrustOf(dirty)).toMatch(/dirty/);

    const broken = Buffer.from(bytes);
    broken[200]! ^= 0xff; // in the boot code, which the checksum covers
    expect(await distrustOf(broken)).toMatch(/checksum/);

    const sector = 2 ** bytes[108]!;
    const fatOffset = bytes.readUInt32LE(80) * sector;
    const heap = bytes.readUInt32LE(88) * sector;
    const root = bytes.readUInt32LE(96);
    const loop = Buffer.from(bytes);
    loop.writeUInt32LE(root, fatOffset + root * 4);
    expect(await distrustOf(loop)).toMatch(/loop/);

    // mkfs.exfat puts the bitmap in the first cluster of the heap.
    expect(bytes.readUInt32LE(fatOffset + 2 * 4)).toBe(0xffffffff);
    const unmarked = Buffer.from(bytes);
    unmarked[heap + ((root - 2) >> 3)]! &= ~(1 << ((root - 2) & 7));
    expect(await distrustOf(unmarked)).toMatch(/does not mark/);
  });

  // Other geometries mkfs.exfat makes: large clusters, the bitmap packed against the FAT (the
  // heap then starts off the alignment), 4 KiB sectors (from a loop device that has them).
  it.each([
    ['1 MiB clusters', '-c 1M', 512],
    ['a packed bitmap', '--pack-bitmap', 512],
    ['4 KiB sectors', '', 4096],
  ])('%s: agrees with dump.exfat and survives the overwrite', async (_, options, sector) => {
    const file = join(dir.path, `geometry-${sector}-${options}.img`);
    await randomFile(file, 48 * MIB, `exfat-${options}`);
    const loop = await attachLoop(file);
    try {
      if (sector !== 512) await sh(`losetup --sector-size ${sector} ${q(loop.path)}`);
      await sh(`mkfs.exfat ${options} ${q(loop.path)} >/dev/null`);
    } finally {
      await loop.detach();
    }
    const volume = await readFile(file);
    const allocation = (await readerOf(volume))!;
    const figures = await dumpFigures(file, volume.byteLength);
    expect(figures.sector).toBe(sector);
    expect(totalLength(allocation.used)).toBe(figures.expected);
    const { scrambled } = scramble(volume, allocation.used);
    await writeFile(file, scrambled);
    expect((await shStatus(`fsck.exfat -n ${q(file)}`)).code).toBe(0);
  });

  it('not exFAT: null', async () => {
    expect(await readerOf(randomBytes(4 * MIB))).toBeNull();
    const fat = join(dir.path, 'fat.img');
    await sh(`truncate -s 8M ${q(fat)} && mkfs.fat -F 16 -s 1 ${q(fat)} >/dev/null`);
    expect(await readerOf(await readFile(fat))).toBeNull();
  });

  it('in a GPT partition, the used block map reads it in used mode', async () => {
    const disk = join(dir.path, 'disk.img');
    const start = 2048;
    await sh(
      `truncate -s ${66 * MIB} ${q(disk)} && printf 'label: gpt\\nstart=${start}, size=${(64 * MIB) / 512}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\\n' | sfdisk -q ${q(disk)}`,
    );
    await sh(`dd if=${q(image)} of=${q(disk)} bs=1M seek=1 conv=notrunc status=none`);
    const drive = await readFile(disk);
    const map = await usedBlockMap(async (p, n) => drive.subarray(p, p + n), drive.byteLength, 512);
    const allocation = (await readerOf(bytes))!;
    expect(map.partitionTable?.partitions[0]).toMatchObject({
      filesystem: 'exfat',
      mode: 'used',
      typeName: 'Microsoft basic data',
      label: 'Spillway',
      fsUuid: allocation.uuid,
      usedBytes: totalLength(allocation.used),
    });
  });
});
