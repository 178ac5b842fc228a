// Fuzzing the exFAT reader (see test-support/fuzz.ts): volumes made by mkfs.exfat (4 KiB and
// 512-byte clusters, the bitmap packed into the FAT's alignment), mutated mostly in the boot
// sector's geometry, the FAT chains and the root directory's bitmap, up-case and label
// entries. Most cases then get their boot checksum made right again, so that the mutated
// geometry reaches the reader's own checks instead of stopping at the checksum.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzAllocationReader, readMutated } from '../../../test-support/fuzz-allocation.js';
import {
  seedImage,
  type Field,
  type FuzzDevice,
  type Mutation,
} from '../../../test-support/fuzz.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { exfatReader } from './allocation.js';
import { bootChecksum } from './boot-sector.js';

const MIB = 2 ** 20;
const RUNS = 500;

const BOOT_FIELDS: Field[] = [
  { at: 72, width: 8 }, // volume length (sectors)
  { at: 80, width: 4 }, // FAT offset
  { at: 84, width: 4 }, // FAT length
  { at: 88, width: 4 }, // cluster heap offset
  { at: 92, width: 4 }, // cluster count
  { at: 96, width: 4 }, // root directory's first cluster
  { at: 104, width: 2 }, // revision
  { at: 106, width: 2 }, // volume flags
  { at: 108, width: 1 }, // log2(bytes per sector)
  { at: 109, width: 1 }, // log2(sectors per cluster)
  { at: 110, width: 1 }, // FATs
  { at: 510, width: 2 }, // signature
];

/**
 * The reader's fields in an intact volume: the boot sector's, the first FAT entries (the root
 * directory's, the bitmap's and the up-case table's chains) and the root directory entries.
 */
function exfatFields(seed: Buffer): Field[] {
  const sectorBytes = 2 ** seed[108]!;
  const clusterBytes = sectorBytes * 2 ** seed[109]!;
  const fat = seed.readUInt32LE(80) * sectorBytes;
  const heap = seed.readUInt32LE(88) * sectorBytes;
  const root = heap + (seed.readUInt32LE(96) - 2) * clusterBytes;
  const fields = [...BOOT_FIELDS];
  for (let cluster = 0; cluster < 16; cluster++) fields.push({ at: fat + cluster * 4, width: 4 });
  for (let at = root; at < root + 8 * 32; at += 32) {
    fields.push({ at, width: 1 }, { at: at + 1, width: 1 });
    fields.push({ at: at + 20, width: 4 }, { at: at + 24, width: 8 });
  }
  return fields;
}

/** Writes the boot checksum sector of the mutated main boot region again. */
function sealBootRegion(device: FuzzDevice): Mutation[] {
  const shift = device.bytes(108, 1)[0]!;
  if (shift < 9 || shift > 12) return [];
  const sectorBytes = 2 ** shift;
  const sum = bootChecksum(device.bytes(0, 11 * sectorBytes), sectorBytes);
  const sector = Buffer.alloc(sectorBytes);
  for (let at = 0; at < sectorBytes; at += 4) sector.writeUInt32LE(sum, at);
  return [{ op: 'write', at: 11 * sectorBytes, hex: sector.toString('hex') }];
}

describe('exFAT reader fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-exfat-');
  });
  afterAll(() => dir?.remove());

  /** mkfs.exfat, then a constant serial: the same seed bytes on every run. */
  const mkfs = (options: string) => (file: string) =>
    `mkfs.exfat ${options} -L fuzz ${file} >/dev/null && tune.exfat -I 0x5eed0015 ${file} >/dev/null`;

  const seeds: Array<[name: string, sizeMiB: number, options: string]> = [
    ['exFAT', 8, ''],
    ['exFAT 512-byte clusters', 4, '-c 512'],
    ['exFAT packed bitmap', 8, '--pack-bitmap'],
  ];
  it.each(seeds.map((s, i) => [...s, i] as const))(
    '%s: mutated, it returns a sound allocation or distrusts',
    async (name, sizeMiB, options, i) => {
      const bytes = await seedImage(dir.path, `seed-${i}.img`, sizeMiB * MIB, mkfs(options));
      await fuzzAllocationReader(
        exfatReader,
        { name, bytes, filesystem: 'exfat', fields: exfatFields(bytes), seal: sealBootRegion },
        RUNS,
        i,
      );
    },
  );
});

describe('exFAT reader: what fuzzing found', () => {
  it('an up-case table of 2^62 bytes whose chain loops is distrusted, at once', async () => {
    const dir = await tempDir('spillway-fuzz-exfat-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        8 * MIB,
        (file) => `mkfs.exfat ${file} >/dev/null`,
      );
      const sectorBytes = 2 ** seed[108]!;
      const clusterBytes = sectorBytes * 2 ** seed[109]!;
      const fat = seed.readUInt32LE(80) * sectorBytes;
      const root = seed.readUInt32LE(88) * sectorBytes + (seed.readUInt32LE(96) - 2) * clusterBytes;
      let upcase = root;
      while (seed[upcase] !== 0x82) upcase += 32;
      const first = seed.readUInt32LE(upcase + 20);
      // Before the fix the walk of this chain never ended (it grew an array until memory ran out).
      const outcome = await readMutated(exfatReader, seed, [
        { op: 'int', at: upcase + 24, width: 8, value: 2n ** 62n },
        { op: 'int', at: fat + first * 4, width: 4, value: BigInt(first) },
      ]);
      expect(outcome).toEqual({ kind: 'refused', reason: 'exFAT up-case table is too long' });
    } finally {
      await dir.remove();
    }
  });
});
