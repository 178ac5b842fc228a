// Fuzzing the GPT reader (see test-support/fuzz.ts): tables made by sfdisk (512-byte and
// 4 KiB sectors), mutated mostly in the header's fields and the entries' LBAs. Most cases get
// both CRC32s made right again, so that the mutated numbers reach the reader's own checks.

import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boundedRead,
  checkNormalizedRanges,
  FuzzDevice,
  fuzzOptions,
  mutations,
  outcomeOf,
  seedImage,
  Tally,
  type Field,
  type Mutation,
} from '../../test-support/fuzz.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { Distrust } from '../read-at.js';
import { readGpt, type Gpt } from './gpt.js';

const MIB = 2 ** 20;
const RUNS = 1500;

const HEADER_FIELDS: Array<[number, Field['width']]> = [
  [12, 4], // header size
  [24, 8], // this header's LBA
  [32, 8], // backup header's LBA
  [40, 8], // first usable LBA
  [48, 8], // last usable LBA
  [72, 8], // entries' LBA
  [80, 4], // entry count
  [84, 4], // entry size
];
const ENTRY_FIELDS: Array<[number, Field['width']]> = [
  [0, 8], // type GUID (first half: zero means unused)
  [32, 8], // first LBA
  [40, 8], // last LBA
];

/** Header and entry fields of an intact seed with sectors of `sectorSize` bytes. */
export function gptFields(seed: Buffer, sectorSize: number): Field[] {
  const header = sectorSize;
  const entries = Number(seed.readBigUInt64LE(header + 72)) * sectorSize;
  const entryBytes = seed.readUInt32LE(header + 84);
  const fields: Field[] = HEADER_FIELDS.map(([at, width]) => ({ at: header + at, width }));
  for (let i = 0; i < 5; i++) {
    for (const [at, width] of ENTRY_FIELDS)
      fields.push({ at: entries + i * entryBytes + at, width });
  }
  return fields;
}

/** The writes that make the mutated header's CRC32s right again (entries, then header). */
export function sealGpt(sectorSize: number) {
  return (device: FuzzDevice): Mutation[] => {
    const header = device.bytes(sectorSize, sectorSize);
    const headerSize = header.readUInt32LE(12);
    if (headerSize < 92 || headerSize > sectorSize) return [];
    const entriesAt = Number(header.readBigUInt64LE(72)) * sectorSize;
    const tableBytes = header.readUInt32LE(80) * header.readUInt32LE(84);
    if (tableBytes <= MIB && entriesAt + tableBytes <= device.size) {
      header.writeUInt32LE(crc32(device.bytes(entriesAt, tableBytes)), 88);
    }
    header.writeUInt32LE(0, 16);
    header.writeUInt32LE(crc32(header.subarray(0, headerSize)), 16);
    return [{ op: 'write', at: sectorSize, hex: header.subarray(0, headerSize).toString('hex') }];
  };
}

/** Throws unless `gpt` is sound for a disk of `size` bytes. */
function checkGpt(gpt: Gpt, size: number, sectorSize: number): void {
  const usable: [number, number] = [
    gpt.firstUsableLba * sectorSize,
    (gpt.lastUsableLba + 1) * sectorSize,
  ];
  if (usable[0] < 0 || usable[1] > size) throw new Error(`usable area ${usable} leaves the disk`);
  const ranges = gpt.partitions
    .map((p) => [p.start, p.start + p.size] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  // Partitions lie in the usable area and do not overlap (touching is fine: merge nothing).
  for (const [i, range] of ranges.entries()) {
    checkNormalizedRanges([range], usable[0], usable[1], `partition ${i}`);
    const next = ranges[i + 1];
    if (next && next[0] < range[1]) throw new Error(`partitions ${range} and ${next} overlap`);
  }
}

describe('GPT reader fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-gpt-');
  });
  afterAll(() => dir?.remove());

  const sfdisk =
    'label: gpt\\nlabel-id: 5EED0015-0000-4000-8000-000000000001\\n' +
    'size=2MiB, type=uefi, uuid=5EED0015-0000-4000-8000-000000000002, name="EFI"\\n' +
    'size=3MiB, type=linux, uuid=5EED0015-0000-4000-8000-000000000003, name="root"\\n' +
    'type=swap, uuid=5EED0015-0000-4000-8000-000000000004\\n';
  // sfdisk 2.38 knows no sector size; fdisk does (with its expert menu for constant GUIDs).
  const fdisk4k =
    'g\\nn\\n1\\n\\n+2M\\nn\\n2\\n\\n+3M\\nn\\n3\\n\\n\\nx\\n' +
    'i\\n5EED0015-0000-4000-8000-000000000001\\n' +
    'u\\n1\\n5EED0015-0000-4000-8000-000000000002\\n' +
    'u\\n2\\n5EED0015-0000-4000-8000-000000000003\\n' +
    'u\\n3\\n5EED0015-0000-4000-8000-000000000004\\nr\\nw\\n';
  const seeds: Array<[name: string, sectorSize: number, make: (file: string) => string]> = [
    ['GPT (sfdisk)', 512, (file) => `printf '${sfdisk}' | sfdisk -q ${file}`],
    [
      'GPT 4 KiB sectors (fdisk)',
      4096,
      (file) => `printf '${fdisk4k}' | fdisk -b 4096 ${file} >/dev/null`,
    ],
  ];
  it.each(seeds.map((s, i) => [...s, i] as const))(
    '%s: mutated, it returns a sound table, null, or distrusts',
    async (name, sectorSize, make, i) => {
      const seed = await seedImage(dir.path, `seed-${i}.img`, 16 * MIB, make);
      const intact = await readGpt(
        async (p, n) => seed.subarray(p, p + n),
        sectorSize,
        seed.length,
      );
      expect(intact?.partitions).toHaveLength(3);
      const regions: Array<[number, number]> = [
        [0, 512],
        [sectorSize, sectorSize + 92],
        [2 * sectorSize, 2 * sectorSize + 3 * 128],
      ];
      const space = { seed, regions, fields: gptFields(seed, sectorSize) };
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(mutations(space, sealGpt(sectorSize)), async (changes) => {
          const device = new FuzzDevice(seed, changes);
          const { read } = boundedRead(device, { outside: { error: (m) => new Distrust(m) } });
          const outcome = await outcomeOf(() => readGpt(read, sectorSize, device.size), [Distrust]);
          tally.add(outcome);
          if (outcome.kind === 'result' && outcome.value) {
            checkGpt(outcome.value, device.size, sectorSize);
          }
        }),
        fuzzOptions(RUNS, i),
      );
      console.log(tally.summary(name));
      expect(tally.results).toBeGreaterThan(RUNS / 10);
      expect(tally.refused).toBeGreaterThan(RUNS / 10);
    },
  );
});

describe('GPT reader: what fuzzing found', () => {
  it('a partition that overlaps its neighbour is distrusted', async () => {
    const dir = await tempDir('spillway-fuzz-gpt-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        8 * MIB,
        (file) => `printf 'label: gpt\\nsize=2MiB\\nsize=3MiB\\n' | sfdisk -q ${file}`,
      );
      // The second entry's first LBA moved into the first partition (2048..6143), the CRCs
      // made right again. Before the fix both were taken as they were.
      const moved = new FuzzDevice(seed, [
        { op: 'int', at: 1024 + 128 + 32, width: 8, value: 4096n },
      ]);
      const device = new FuzzDevice(seed, [
        { op: 'int', at: 1024 + 128 + 32, width: 8, value: 4096n },
        ...sealGpt(512)(moved),
      ]);
      const read = async (p: number, n: number) => device.bytes(p, n);
      await expect(readGpt(read, 512, device.size)).rejects.toThrow(
        new Distrust('partitions 1 and 2 overlap'),
      );
    } finally {
      await dir.remove();
    }
  });
});
