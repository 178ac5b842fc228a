// Fuzzing the NTFS reader (see test-support/fuzz.ts): volumes made by mkntfs (4 KiB, 512-byte
// and 64 KiB clusters) holding files copied in by ntfscp, mutated mostly in the boot sector's
// geometry and in the records the reader parses ($MFT, $LogFile, $Volume, $Bitmap: their
// headers, attribute headers and runlists). mkntfs leaves $LogFile empty (all 0xFF); one seed
// gets the two restart pages a cleanly unmounted Windows leaves there, made by hand (fixups
// and all), so that the journal check is fuzzed too.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzAllocationReader, readMutated } from '../../../test-support/fuzz-allocation.js';
import { seedImage, type Field } from '../../../test-support/fuzz.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { ntfsGeometry, ntfsReader } from './allocation.js';
import { ATTR_DATA, parseMftRecord, unnamed } from './records.js';
import { decodeRuns } from './runlist.js';

const MIB = 2 ** 20;
const RUNS = 500;

const BOOT_FIELDS: Field[] = [
  { at: 0x0b, width: 2 }, // bytes per sector
  { at: 0x0d, width: 1 }, // sectors per cluster
  { at: 0x0e, width: 2 }, // fields FAT uses, zero here
  { at: 0x10, width: 1 },
  { at: 0x11, width: 2 },
  { at: 0x13, width: 2 },
  { at: 0x16, width: 2 },
  { at: 0x20, width: 4 },
  { at: 0x28, width: 8 }, // total sectors
  { at: 0x30, width: 8 }, // $MFT cluster
  { at: 0x38, width: 8 }, // $MFTMirr cluster
  { at: 0x40, width: 1 }, // clusters (or log2 bytes) per MFT record
  { at: 510, width: 2 }, // signature
];
const RECORD_FIELDS: Array<[number, Field['width']]> = [
  [0x04, 2], // update sequence offset
  [0x06, 2], // update sequence count
  [0x14, 2], // first attribute
  [0x16, 2], // flags (in use)
  [0x18, 4], // bytes in use
  [0x1c, 4], // bytes allocated
  [0x20, 8], // base record
  [0x2c, 4], // record number
];
const ATTRIBUTE_FIELDS: Array<[number, Field['width']]> = [
  [0x00, 4], // type
  [0x04, 4], // length
  [0x08, 1], // non-resident
  [0x09, 1], // name length
  [0x0c, 2], // flags
  [0x10, 4], // resident: value length; non-resident: lowest VCN
  [0x14, 2], // resident: value offset
  [0x18, 8], // highest VCN
  [0x20, 2], // runlist offset
  [0x28, 8], // allocated size
  [0x30, 8], // data size
  [0x38, 8], // initialized size
];
/** The records the reader parses: $MFT, $LogFile, $Volume, $Bitmap. */
const RECORDS = [0, 2, 3, 6];

/** The fields of the boot sector and of the records the reader parses, in an intact volume. */
function ntfsFields(seed: Buffer): Field[] {
  const g = ntfsGeometry(seed.subarray(0, 512), seed.byteLength);
  const fields = [...BOOT_FIELDS];
  for (const n of RECORDS) {
    // mkntfs writes the first records contiguously from the $MFT cluster.
    const record = g.mftLcn * g.clusterSize + n * g.recordSize;
    for (const [at, width] of RECORD_FIELDS) fields.push({ at: record + at, width });
    for (let at = record + seed.readUInt16LE(record + 0x14); ;) {
      if (seed.readUInt32LE(at) === 0xffffffff) break;
      for (const [field, width] of ATTRIBUTE_FIELDS) fields.push({ at: at + field, width });
      if (seed[at + 8]) {
        // The runlist's first run: its header byte and its first bytes of length and LCN.
        const runs = at + seed.readUInt16LE(at + 0x20);
        for (let i = 0; i < 4; i++) fields.push({ at: runs + i, width: 1 });
      }
      at += seed.readUInt32LE(at + 4);
    }
  }
  return fields;
}

/**
 * A restart page of $LogFile as a cleanly unmounted Windows 10 leaves it (version 2.0, no
 * client in use, 4 KiB pages), with its update sequence applied: what checkLogFileClean reads.
 */
function restartPage(): Buffer {
  const page = Buffer.alloc(4096);
  page.write('RSTR', 0, 'latin1');
  page.writeUInt16LE(0x1e, 4); // update sequence array offset
  page.writeUInt16LE(4096 / 512 + 1, 6); // and count
  page.writeUInt32LE(4096, 0x10); // system page size
  page.writeUInt32LE(4096, 0x14); // log page size
  page.writeUInt16LE(0x30, 0x18); // restart area offset
  page.writeInt16LE(0, 0x1a); // minor version
  page.writeInt16LE(2, 0x1c); // major version
  const area = 0x30;
  page.writeUInt16LE(1, area + 0x08); // log clients
  page.writeUInt16LE(0xffff, area + 0x0a); // client free list
  page.writeUInt16LE(0xffff, area + 0x0c); // clients in use: none
  page.writeUInt16LE(0x0002, area + 0x0e); // flags: volume is clean
  // The update sequence: the last two bytes of every 512-byte block hold the sequence number,
  // their real value is kept in the array.
  const usn = 1;
  page.writeUInt16LE(usn, 0x1e);
  for (let i = 1; i <= 8; i++) {
    const end = i * 512 - 2;
    page.writeUInt16LE(page.readUInt16LE(end), 0x1e + i * 2);
    page.writeUInt16LE(usn, end);
  }
  return page;
}

/** The seed with both restart pages written at the start of its $LogFile. */
function withRestartPages(seed: Buffer): Buffer {
  const g = ntfsGeometry(seed.subarray(0, 512), seed.byteLength);
  const record = (n: number) => {
    const at = g.mftLcn * g.clusterSize + n * g.recordSize;
    return parseMftRecord(Buffer.from(seed.subarray(at, at + g.recordSize)), n);
  };
  const log = unnamed(record(2), ATTR_DATA, '$LogFile').nonResident!;
  const [first] = decodeRuns(log.runlist, 0, g.clusters, '$LogFile');
  if (!first?.lcn || first.length * g.clusterSize < 8192) throw new Error('$LogFile is odd');
  const out = Buffer.from(seed);
  restartPage().copy(out, first.lcn * g.clusterSize);
  restartPage().copy(out, first.lcn * g.clusterSize + 4096);
  return out;
}

describe('NTFS reader fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-ntfs-');
    await sh(`cd ${q(dir.path)} && seq 1 100000 > numbers.txt && printf hello > hello.txt`);
  });
  afterAll(() => dir?.remove());

  /** mkntfs with its time and serial fixed (-T), then two files copied in by ntfscp. */
  const mkntfs = (options: string) => (file: string) =>
    `mkntfs -q -F -Q -T -L fuzz ${options} ${file} && ` +
    `ntfscp ${file} ${q(dir.path)}/numbers.txt numbers.txt && ` +
    `ntfscp ${file} ${q(dir.path)}/hello.txt hello.txt`;

  const seeds: Array<[name: string, sizeMiB: number, options: string, restart: boolean]> = [
    ['NTFS', 16, '', false],
    ['NTFS 512-byte clusters', 8, '-c 512', false],
    ['NTFS 64 KiB clusters', 24, '-c 65536', false],
    ['NTFS with restart pages', 16, '', true],
  ];
  it.each(seeds.map((s, i) => [...s, i] as const))(
    '%s: mutated, it returns a sound allocation or distrusts',
    async (name, sizeMiB, options, restart, i) => {
      const made = await seedImage(dir.path, `seed-${i}.img`, sizeMiB * MIB, mkntfs(options));
      const bytes = restart ? withRestartPages(made) : made;
      const fields = ntfsFields(bytes);
      await fuzzAllocationReader(ntfsReader, { name, bytes, filesystem: 'ntfs', fields }, RUNS, i);
    },
  );
});

describe('NTFS reader: what fuzzing found', () => {
  it('a $Bitmap that calls the $MFT free is distrusted', async () => {
    const dir = await tempDir('spillway-fuzz-ntfs-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        16 * MIB,
        (file) => `mkntfs -q -F -Q -T ${file}`,
      );
      const g = ntfsGeometry(seed.subarray(0, 512), seed.length);
      const at = g.mftLcn * g.clusterSize + 6 * g.recordSize;
      const bitmap = unnamed(
        parseMftRecord(Buffer.from(seed.subarray(at, at + g.recordSize)), 6),
        ATTR_DATA,
        '$Bitmap',
      ).nonResident!;
      const [run] = decodeRuns(bitmap.runlist, 0, g.clusters, '$Bitmap');
      // The bitmap's byte that holds the $MFT's first cluster, zeroed. Before the fix the
      // reader called the $MFT unused: a backup would have left it out.
      const outcome = await readMutated(ntfsReader, seed, [
        {
          op: 'int',
          at: run!.lcn! * g.clusterSize + Math.floor(g.mftLcn / 8),
          width: 1,
          value: 0n,
        },
      ]);
      expect(outcome).toEqual({
        kind: 'refused',
        reason: 'NTFS $Bitmap does not mark the volume metadata',
      });
    } finally {
      await dir.remove();
    }
  });
});
