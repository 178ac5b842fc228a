// Fuzzing the used-blocks planner as a whole (see test-support/fuzz.ts): whole disks with a GPT
// or an MBR (logical partitions too) holding ext4, FAT16, exFAT, NTFS and swap, each made by
// its own mkfs, mutated in the partition table and in whatever the readers read. The planner
// must never throw (a table or filesystem it distrusts is read whole), and its map must lose
// nothing it can know about:
// - `read` and `dontCare` are normalized and split the drive between them;
// - everything outside the partitions, every partition read whole, and every byte a reader
//   calls used is read (overlapping partitions made one's free space skip the other's data);
// - every byte the planner itself read to decide (the table, the superblocks, the bitmaps,
//   the MFT records...) is read: a restored filesystem needs it, whatever its bitmap says.

import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Partition } from '../../../src-shared/manifest.js';
import { gptFields, sealGpt } from '../../test-support/fuzz-gpt.js';
import {
  boundedRead,
  checkNormalizedRanges,
  dictionaryOf,
  FuzzDevice,
  fuzzOptions,
  fuzzRuns,
  mutations,
  seedImage,
  tracedRegions,
  type Field,
  type Mutation,
} from '../../test-support/fuzz.js';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { exfatReader } from '../filesystems/exfat/allocation.js';
import { extReader } from '../filesystems/ext/allocation.js';
import { fatReader } from '../filesystems/fat/allocation.js';
import { ntfsReader } from '../filesystems/ntfs/allocation.js';
import { swapReader } from '../filesystems/swap/allocation.js';
import type { FilesystemReader } from '../filesystems/allocation.js';
import { readGpt } from '../partition-table/gpt.js';
import { readMbr } from '../partition-table/mbr.js';
import { complement, normalize, subtract, type ByteRange } from '../ranges.js';
import type { ReadAt } from '../read-at.js';
import type { BlockMap } from './block-map.js';
import { usedBlockMap } from './used-block-map.js';

const MIB = 2 ** 20;
const RUNS = 400;

const READER: Record<string, FilesystemReader> = {
  ext2: extReader,
  ext3: extReader,
  ext4: extReader,
  fat12: fatReader,
  fat16: fatReader,
  fat32: fatReader,
  exfat: exfatReader,
  ntfs: ntfsReader,
  swap: swapReader,
};

/** Partitions of the seed disks: size, MBR type, GPT type, and how to make the filesystem. */
const KINDS: Array<[sizeMiB: number, mbr: string, gpt: string, make: (file: string) => string]> = [
  [
    8,
    '83',
    'linux',
    (file) =>
      'E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -U 6a1e0f2c-5d1b-4a3e-9c7f-0123456789ab ' +
      `-E hash_seed=0b7e1d55-2f0a-4c9b-8e21-fedcba987654 ${file}`,
  ],
  [4, '06', 'linux', (file) => `mkfs.fat --invariant -F 16 -s 1 ${file} >/dev/null`],
  [
    4,
    '07',
    'linux',
    (file) => `mkfs.exfat ${file} >/dev/null && tune.exfat -I 0x5eed0015 ${file} >/dev/null`,
  ],
  [6, '07', 'linux', (file) => `mkntfs -q -F -Q -T ${file}`],
  [1, '82', 'swap', (file) => `mkswap -U 5eed0015-0000-4000-8000-000000000005 ${file} >/dev/null`],
];

/**
 * A disk with the kinds above, made by sfdisk and their mkfs (on files, then copied in at
 * their partitions' offsets: no loop device needed).
 */
async function makeDisk(dir: string, table: 'gpt' | 'mbr'): Promise<Buffer> {
  const lines = KINDS.map(
    ([mib, mbr, gpt]) => `size=${mib}MiB, type=${table === 'gpt' ? gpt : mbr}`,
  );
  const script =
    table === 'gpt'
      ? ['label: gpt', 'label-id: 5EED0015-0000-4000-8000-000000000001', ...lines]
      : ['label: dos', 'label-id: 0x5eed0015', ...lines.slice(0, 3), 'type=05', ...lines.slice(3)];
  const disk = `${dir}/${table}.img`;
  await seedImage(
    dir,
    `${table}.img`,
    32 * MIB,
    (file) => `printf '${script.join('\\n')}\\n' | sfdisk -q ${file}`,
  );
  const layout = JSON.parse(await sh(`sfdisk -J ${q(disk)}`)) as {
    partitiontable: { partitions: Array<{ start: number; size: number; type: string }> };
  };
  // The extended partition (MBR) holds no filesystem of its own.
  const partitions = layout.partitiontable.partitions.filter((p) => p.type !== '5');
  for (const [i, [, , , make]] of KINDS.entries()) {
    const { start, size } = partitions[i]!;
    const file = `${dir}/${table}-${i}.img`;
    await sh(
      `truncate -s ${size * 512} ${q(file)} && ${make(q(file))} && ` +
        `dd if=${q(file)} of=${q(disk)} bs=512 seek=${start} conv=notrunc status=none`,
    );
  }
  return readFile(disk);
}

/** What the planner read: every read of a run, as byte ranges. */
function recording(read: ReadAt): { read: ReadAt; reads: ByteRange[] } {
  const reads: ByteRange[] = [];
  return {
    reads,
    read: async (position, length) => {
      const bytes = await read(position, length);
      reads.push([position, position + length]);
      return bytes;
    },
  };
}

/** Throws unless every byte of `ranges` is in the normalized `read`. */
function expectRead(read: ByteRange[], ranges: ByteRange[], what: string): void {
  const missing = subtract(normalize(ranges), read);
  if (missing.length > 0) {
    throw new Error(`${what}: [${missing[0]!.join(', ')}) is not read (${missing.length} ranges)`);
  }
}

/** The planner's map, checked against the rules in this file's heading. */
async function checkMap(map: BlockMap, device: FuzzDevice): Promise<void> {
  const size = device.size;
  checkNormalizedRanges(map.read, 0, size, 'read');
  checkNormalizedRanges(map.dontCare, 0, size, 'dontCare');
  expect(map.dontCare).toEqual(complement(map.read, 0, size));
  const partitions: Partition[] = map.partitionTable?.partitions ?? [];
  const inPartitions = normalize(
    partitions
      .filter((p) => !p.reason?.startsWith('extended'))
      .map((p) => [p.start, p.start + p.size]),
  );
  expectRead(map.read, complement(inPartitions, 0, size), 'outside the partitions');
  const bytes: ReadAt = async (p, n) => device.bytes(p, n);
  // The table's own reads, as the planner made them.
  if (map.partitionTable) {
    const table = recording(bytes);
    const sectorSize = map.partitionTable.sectorSize;
    if (map.partitionTable.type === 'gpt') await readGpt(table.read, sectorSize, size);
    else await readMbr(table.read, sectorSize, size);
    expectRead(map.read, table.reads, 'the partition table');
  }
  for (const p of partitions) {
    const range: ByteRange = [p.start, p.start + p.size];
    if (p.mode === 'raw') {
      if (!p.reason?.startsWith('extended')) expectRead(map.read, [range], `partition ${p.index}`);
      continue;
    }
    // The reader that vouched for it, again: what it calls used, and what it read to say so.
    const reader = recording(async (at, n) => device.bytes(p.start + at, n));
    const allocation = await READER[p.filesystem!]!.read(reader.read, p.size);
    const shift = (r: ByteRange): ByteRange => [p.start + r[0], p.start + r[1]];
    expectRead(map.read, allocation!.used.map(shift), `partition ${p.index}'s used bytes`);
    expectRead(map.read, reader.reads.map(shift), `what partition ${p.index}'s reader read`);
  }
}

describe('used block map fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const disks: Partial<Record<'gpt' | 'mbr', Buffer>> = {};
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-blockmap-');
    disks.gpt = await makeDisk(dir.path, 'gpt');
    disks.mbr = await makeDisk(dir.path, 'mbr');
  });
  afterAll(() => dir?.remove());

  it.each([['gpt', 0] as const, ['mbr', 1] as const])(
    '%s disk: mutated, the map loses nothing the planner knows of',
    async (table, i) => {
      const seed = disks[table]!;
      const intact = await usedBlockMap(async (p, n) => seed.subarray(p, p + n), seed.length, 512);
      expect(intact.partitionTable?.partitions.filter((p) => p.mode === 'used')).toHaveLength(5);
      const regions = await tracedRegions(seed, (device, read) =>
        usedBlockMap(read, device.size, 512),
      );
      const fields: Field[] = table === 'gpt' ? gptFields(seed, 512) : [];
      const space = {
        seed,
        regions,
        fields,
        dictionary: dictionaryOf(seed, regions),
        resize: false,
      };
      let used = 0;
      await fc.assert(
        fc.asyncProperty(
          mutations(space, table === 'gpt' ? sealGpt(512) : undefined),
          async (changes: Mutation[]) => {
            const device = new FuzzDevice(seed, changes);
            const { read } = boundedRead(device, { outside: 'fail' });
            const map = await usedBlockMap(read, device.size, 512);
            if (map.mode === 'used' && map.dontCare.length > 0) used++;
            await checkMap(map, device);
          },
        ),
        fuzzOptions(RUNS, i),
      );
      const runs = fuzzRuns(RUNS);
      console.log(`fuzz used block map (${table}): ${runs} runs, ${used} maps that skip bytes`);
      expect(used).toBeGreaterThan(runs / 4);
    },
  );

  it('what fuzzing found: partitions that overlap make the table distrusted, the disk read whole', async () => {
    // MBR partition 1 (ext4, sectors 2048 to 18431) moved 98 sectors on: it now runs 98
    // sectors into partition 2 (FAT16). Before the fix, partition 1 (no ext4 at its new
    // start) was read whole, except those 98 sectors: FAT16's free clusters, skipped.
    const device = new FuzzDevice(disks.mbr!, [{ op: 'int', at: 446 + 8, width: 1, value: 98n }]);
    const map = await usedBlockMap(async (p, n) => device.bytes(p, n), device.size, 512);
    expect(map.whole).toEqual({
      cause: 'distrusted',
      why: 'partition table: partitions 1 and 2 overlap',
    });
    expect(map.dontCare).toEqual([]);
    await checkMap(map, device);
  });
});
