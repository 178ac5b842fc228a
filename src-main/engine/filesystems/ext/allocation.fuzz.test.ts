// Fuzzing the ext reader (see test-support/fuzz.ts): seeds made by mke2fs with a folder of
// files (Debian's defaults for a small ext4, a meta_bg ext4, 4 KiB blocks, ext2), mutated
// mostly in what the reader reads (the superblock, the group descriptors, the bitmaps).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzAllocationReader, readMutated } from '../../../test-support/fuzz-allocation.js';
import { seedImage, type Field } from '../../../test-support/fuzz.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { extReader } from './allocation.js';

const MIB = 2 ** 20;
const RUNS = 500;

/** mke2fs with fixed UUID, hash seed and time: the same seed bytes on every run. */
const mke2fs = (command: string, tree: string) => (file: string) =>
  `E2FSPROGS_FAKE_TIME=1700000000 ${command} -q -F -U 6a1e0f2c-5d1b-4a3e-9c7f-0123456789ab ` +
  `-E hash_seed=0b7e1d55-2f0a-4c9b-8e21-fedcba987654 -d ${q(tree)} ${file}`;

/** The superblock fields the reader reads: [offset in the superblock, width]. */
const SUPERBLOCK_FIELDS: Array<[number, Field['width']]> = [
  [0x04, 4], // blocks (low)
  [0x14, 4], // first data block
  [0x18, 4], // log2(block size) - 10
  [0x20, 4], // blocks per group
  [0x24, 4], // clusters per group
  [0x28, 4], // inodes per group
  [0x38, 2], // magic
  [0x3a, 2], // state
  [0x4c, 4], // revision
  [0x58, 2], // inode size
  [0x5c, 4], // compatible features
  [0x60, 4], // incompatible features
  [0x64, 4], // read-only compatible features
  [0xce, 2], // reserved GDT blocks
  [0xfe, 2], // descriptor size
  [0x104, 4], // first meta_bg
  [0x150, 4], // blocks (high)
  [0x24c, 4], // sparse_super2 backup groups
  [0x250, 4],
];
/** The group descriptor fields it reads: bitmaps, inode table (low, high), flags. */
const DESCRIPTOR_FIELDS: Array<[number, Field['width']]> = [
  [0x0, 4],
  [0x4, 4],
  [0x8, 4],
  [0x12, 2],
  [0x20, 4],
  [0x24, 4],
  [0x28, 4],
];

/** Where those fields are in an intact seed: the superblock, then every group's descriptor. */
function extFields(seed: Buffer): Field[] {
  const sb = seed.subarray(1024, 2048);
  const blockSize = 1024 << sb.readUInt32LE(0x18);
  const is64 = (sb.readUInt32LE(0x60) & 0x80) !== 0;
  const descSize = is64 ? sb.readUInt16LE(0xfe) : 32;
  const firstDataBlock = sb.readUInt32LE(0x14);
  const groups = Math.ceil((sb.readUInt32LE(0x4) - firstDataBlock) / sb.readUInt32LE(0x20));
  // The descriptors follow the superblock's block; with meta_bg, those of the first meta
  // group do (the others are in their groups: left to the regions).
  const metaBg = (sb.readUInt32LE(0x60) & 0x10) !== 0;
  const listed = metaBg ? Math.min(groups, blockSize / descSize) : groups;
  const table = (firstDataBlock + 1) * blockSize;
  const fields = SUPERBLOCK_FIELDS.map(([at, width]) => ({ at: 1024 + at, width }));
  for (let g = 0; g < listed; g++) {
    for (const [at, width] of DESCRIPTOR_FIELDS) {
      if (at + width <= descSize) fields.push({ at: table + g * descSize + at, width });
    }
  }
  return fields;
}

describe('ext reader fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let tree: string;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-ext-');
    tree = `${dir.path}/tree`;
    await sh(
      `mkdir -p ${q(tree)}/docs && seq 1 300000 > ${q(tree)}/docs/numbers.txt && ` +
        `printf hello > ${q(tree)}/docs/hello.txt && ` +
        `head -c 2500000 /dev/zero | tr '\\0' 'x' > ${q(tree)}/big.bin && ` +
        `touch -d @1700000000 ${q(tree)} ${q(tree)}/docs ${q(tree)}/docs/* ${q(tree)}/big.bin`,
    );
  });
  afterAll(() => dir?.remove());

  const seeds: Array<[name: string, sizeMiB: number, command: string, filesystem: string]> = [
    // Debian 12's mke2fs.conf for a small filesystem: 1 KiB blocks, flex_bg, metadata_csum, 64bit.
    ['ext4 (Debian defaults)', 16, 'mkfs.ext4', 'ext4'],
    ['ext4 meta_bg', 8, 'mkfs.ext4 -b 1024 -g 1024 -O meta_bg,^resize_inode', 'ext4'],
    // Two meta groups (32 groups of 16 descriptors), bitmaps all initialised (no checksums).
    [
      'ext4 meta_bg, two meta groups',
      8,
      'mkfs.ext4 -b 1024 -g 256 -O meta_bg,^resize_inode,^metadata_csum,^uninit_bg',
      'ext4',
    ],
    ['ext4 4 KiB blocks', 24, 'mkfs.ext4 -b 4096 -g 2048', 'ext4'],
    ['ext2', 8, 'mkfs.ext2', 'ext2'],
  ];
  it.each(seeds.map((s, i) => [...s, i] as const))(
    '%s: mutated, it returns a sound allocation or distrusts',
    async (name, sizeMiB, command, filesystem, i) => {
      const bytes = await seedImage(
        dir.path,
        `seed-${i}.img`,
        sizeMiB * MIB,
        mke2fs(command, tree),
      );
      const fields = extFields(bytes);
      await fuzzAllocationReader(extReader, { name, bytes, filesystem, fields }, RUNS, i);
    },
  );
});

describe('ext reader: what fuzzing found', () => {
  it('meta_bg: a descriptor block its bitmap calls free is still in use', async () => {
    const dir = await tempDir('spillway-fuzz-ext-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        8 * MIB,
        (file) =>
          `mkfs.ext4 -q -F -b 1024 -g 256 -O meta_bg,^resize_inode,^metadata_csum,^uninit_bg ${file}`,
      );
      // Meta group 1 (groups 16-31) keeps its descriptors in the first block of group 16
      // (4097); clear that block's bit in group 16's bitmap. Before the fix the reader read
      // the block, then called it unused: the backup would have left it out.
      const descriptor16 = 4097 * 1024;
      const bitmap16 = seed.readUInt32LE(descriptor16);
      const outcome = await readMutated(extReader, seed, [
        { op: 'flip', at: bitmap16 * 1024, bit: 0 },
      ]);
      expect(outcome.kind).toBe('result');
    } finally {
      await dir.remove();
    }
  });

  it('a 64bit descriptor size that is not a power of two is distrusted (meta_bg)', async () => {
    const dir = await tempDir('spillway-fuzz-ext-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        8 * MIB,
        (file) => `mkfs.ext4 -q -F -b 1024 -g 1024 -O meta_bg,^resize_inode ${file}`,
      );
      expect(seed.readUInt16LE(1024 + 0xfe)).toBe(64);
      // Bit 7 of the descriptor size: 192 bytes, 5.33 descriptors per block. Before the fix,
      // the second meta group's descriptor block was read at a fractional byte position.
      const outcome = await readMutated(extReader, seed, [{ op: 'flip', at: 1024 + 0xfe, bit: 7 }]);
      expect(outcome).toMatchObject({ kind: 'refused', reason: /superblock values/ });
    } finally {
      await dir.remove();
    }
  });
});
