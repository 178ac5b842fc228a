// Fuzzing the FAT reader (see test-support/fuzz.ts): FAT12, FAT16 and FAT32 made by mkfs.fat,
// holding files copied by mtools (one deleted in between, so a later one is fragmented),
// mutated mostly in the boot sector's layout fields and in the FATs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzAllocationReader, readMutated } from '../../../test-support/fuzz-allocation.js';
import { seedImage, type Field } from '../../../test-support/fuzz.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { fatReader } from './allocation.js';

const MIB = 2 ** 20;
const RUNS = 500;
const MTOOLS = 'MTOOLS_SKIP_CHECK=1';

/** The boot sector fields the reader reads. */
const BOOT_FIELDS: Field[] = [
  { at: 0, width: 1 }, // jump
  { at: 11, width: 2 }, // bytes per sector
  { at: 13, width: 1 }, // sectors per cluster
  { at: 14, width: 2 }, // reserved sectors
  { at: 16, width: 1 }, // FATs
  { at: 17, width: 2 }, // root directory entries
  { at: 19, width: 2 }, // sectors (16 bit)
  { at: 22, width: 2 }, // sectors per FAT (16 bit)
  { at: 32, width: 4 }, // sectors (32 bit)
  { at: 36, width: 4 }, // sectors per FAT (32 bit)
  { at: 510, width: 2 }, // signature
];

describe('FAT reader fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let files: string;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-fat-');
    files = dir.path;
    await sh(
      `cd ${q(files)} && seq 1 30000 > a.txt && seq 1 90000 > b.txt && seq 1 250000 > c.txt && ` +
        `touch -d @1700000000 a.txt b.txt c.txt`,
    );
  });
  afterAll(() => dir?.remove());

  /** mkfs.fat with constant ids, then a.txt, b.txt; b.txt deleted; c.txt (fragmented). */
  const mkfs = (options: string) => (file: string) =>
    `mkfs.fat --invariant ${options} -n FUZZ ${file} >/dev/null && ` +
    `${MTOOLS} mcopy -i ${file} ${q(files)}/a.txt ${q(files)}/b.txt ::/ && ` +
    `${MTOOLS} mmd -i ${file} ::/sub && ${MTOOLS} mdel -i ${file} ::/b.txt && ` +
    `${MTOOLS} mcopy -i ${file} ${q(files)}/c.txt ::/sub/`;

  const seeds: Array<[name: string, sizeMiB: number, options: string, filesystem: string]> = [
    ['FAT12', 2, '-F 12', 'fat12'],
    ['FAT16', 16, '-F 16 -s 2', 'fat16'],
    ['FAT32', 36, '-F 32 -s 1', 'fat32'],
  ];
  it.each(seeds.map((s, i) => [...s, i] as const))(
    '%s: mutated, it returns a sound allocation or distrusts',
    async (name, sizeMiB, options, filesystem, i) => {
      const bytes = await seedImage(dir.path, `seed-${i}.img`, sizeMiB * MIB, mkfs(options));
      await fuzzAllocationReader(
        fatReader,
        { name, bytes, filesystem, fields: BOOT_FIELDS },
        RUNS,
        i,
      );
    },
  );
});

describe('FAT reader: what fuzzing found', () => {
  it('a FAT whose last cluster ends at the partition end: no empty range after it', async () => {
    const dir = await tempDir('spillway-fuzz-fat-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        2 * MIB,
        (file) => `mkfs.fat --invariant -F 12 ${file} >/dev/null`,
      );
      // 16 root entries instead of 512: the clusters then fill the 2 MiB exactly.
      const outcome = await readMutated(fatReader, seed, [
        { op: 'int', at: 17, width: 2, value: 16n },
      ]);
      // readMutated checks the ranges are normalized: it threw on [2097152, 2097152) before.
      expect(outcome.kind).toBe('result');
    } finally {
      await dir.remove();
    }
  });
});
