// Fuzzing the GPT reader (see test-support/fuzz.ts): tables made by sfdisk (512-byte and
// 4 KiB sectors), mutated mostly in the header's fields and the entries' LBAs. Most cases get
// both CRC32s made right again, so that the mutated numbers reach the reader's own checks.

import fc from 'fast-check';
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
  type Mutation,
} from '../../test-support/fuzz.js';
import { gptFields, sealGpt } from '../../test-support/fuzz-gpt.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { Distrust } from '../read-at.js';
import { readGpt, type Gpt } from './gpt.js';

const MIB = 2 ** 20;
const RUNS = 1000;

/** Throws unless `gpt`, read from `device`, is sound. */
function checkGpt(gpt: Gpt, device: FuzzDevice, sectorSize: number): void {
  const usable: [number, number] = [
    gpt.firstUsableLba * sectorSize,
    (gpt.lastUsableLba + 1) * sectorSize,
  ];
  if (usable[0] < 0 || usable[1] > device.size) {
    throw new Error(`usable area ${usable} leaves the disk`);
  }
  const count = device.bytes(sectorSize + 80, 4).readUInt32LE(0);
  const entries = gpt.primaryEntriesLba * sectorSize;
  const spans = [
    ...gpt.partitions.map((p) => [p.start, p.start + p.size, `partition ${p.index}`] as const),
    [0, 2 * sectorSize, 'the MBR and GPT header'] as const,
    [entries, entries + count * gpt.entryBytes, 'the GPT entries'] as const,
  ].sort((a, b) => a[0] - b[0]);
  for (const p of gpt.partitions) {
    checkNormalizedRanges([[p.start, p.start + p.size]], ...usable, `partition ${p.index}`);
  }
  // Partitions do not overlap each other or the table (touching is fine).
  for (let i = 1; i < spans.length; i++) {
    const [before, after] = [spans[i - 1]!, spans[i]!];
    if (after[0] < before[1] && after[0] < after[1]) {
      throw new Error(`${before[2]} and ${after[2]} overlap`);
    }
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
            checkGpt(outcome.value, device, sectorSize);
          }
        }),
        fuzzOptions(RUNS, i),
      );
      console.log(tally.summary(name));
      tally.checkDepth(name);
    },
  );
});

describe('GPT reader: what fuzzing found', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let seed: Buffer;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-gpt-');
    seed = await seedImage(
      dir.path,
      'seed.img',
      8 * MIB,
      (file) => `printf 'label: gpt\\nsize=2MiB\\nsize=3MiB\\n' | sfdisk -q ${file}`,
    );
  });
  afterAll(() => dir?.remove());

  /** The seed with `changes`, its CRCs made right again. */
  function sealed(changes: Mutation[]): FuzzDevice {
    return new FuzzDevice(seed, [...changes, ...sealGpt(512)(new FuzzDevice(seed, changes))]);
  }
  const readerOf = (device: FuzzDevice) =>
    readGpt(async (p, n) => device.bytes(p, n), 512, device.size);

  it('a partition that overlaps its neighbour is distrusted', async () => {
    // The second entry's first LBA moved into the first partition (2048..6143). Before the
    // fix both were taken as they were.
    const device = sealed([{ op: 'int', at: 1024 + 128 + 32, width: 8, value: 4096n }]);
    await expect(readerOf(device)).rejects.toThrow(new Distrust('partitions 1 and 2 overlap'));
  });

  it('a partition over the protective MBR and the header is distrusted', async () => {
    // First usable LBA 0, and a third entry (type GUID 1, LBAs 0 to 0): the first sector.
    // Before the fix it was a partition like any other, whose filesystem could call the
    // table's sectors free.
    const device = sealed([
      { op: 'int', at: 512 + 40, width: 8, value: 0n },
      { op: 'int', at: 1024 + 2 * 128, width: 8, value: 1n },
    ]);
    await expect(readerOf(device)).rejects.toThrow(
      new Distrust('partition 3 covers the partition table'),
    );
  });
});
