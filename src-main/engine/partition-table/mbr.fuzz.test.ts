// Fuzzing the MBR reader (see test-support/fuzz.ts): a table made by sfdisk with three primary
// partitions and an extended one holding three logical ones (a chain of extended boot
// records), mutated mostly in the entries of the MBR and of every EBR: types, start LBAs
// (the links of the chain: loops, links out of the extended partition), sizes.

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
  type Field,
} from '../../test-support/fuzz.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { Distrust } from '../read-at.js';
import type { FoundPartition } from './found-partition.js';
import { readMbr } from './mbr.js';

const MIB = 2 ** 20;
const RUNS = 1500;

/** The four entries' fields in the sector at `sector`: flag, type, start LBA, sectors. */
function entryFields(sector: number): Field[] {
  const fields: Field[] = [{ at: sector + 510, width: 2 }];
  for (let i = 0; i < 4; i++) {
    const at = sector + 446 + i * 16;
    fields.push({ at, width: 1 }, { at: at + 4, width: 1 });
    fields.push({ at: at + 8, width: 4 }, { at: at + 12, width: 4 });
  }
  return fields;
}

/** The MBR's and every EBR's fields in an intact seed (the chain walked as the reader does). */
function mbrFields(seed: Buffer): { fields: Field[]; sectors: number[] } {
  const sectors = [0];
  const extended = [0, 1, 2, 3]
    .map((i) => 446 + i * 16)
    .find((at) => [0x05, 0x0f, 0x85].includes(seed[at + 4]!));
  if (extended !== undefined) {
    const first = seed.readUInt32LE(extended + 8);
    for (let ebr = first; ebr !== 0;) {
      sectors.push(ebr);
      const next = seed.readUInt32LE(ebr * 512 + 446 + 16 + 8);
      ebr = next === 0 ? 0 : first + next;
    }
  }
  return { fields: sectors.flatMap((s) => entryFields(s * 512)), sectors };
}

/** The sectors of the EBR chain of `device`, walked as the reader does (at most 128). */
function ebrSectors(device: FuzzDevice): number[] {
  const mbr = device.bytes(0, 512);
  const found: number[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 446 + i * 16;
    if (![0x05, 0x0f, 0x85].includes(mbr[at + 4]!) || mbr.readUInt32LE(at + 12) === 0) continue;
    const first = mbr.readUInt32LE(at + 8);
    for (let ebr = first, n = 0; n < 128; n++) {
      found.push(ebr);
      const next = device.bytes(ebr * 512 + 446 + 16, 16);
      if (next[4] === 0 || next.readUInt32LE(12) === 0) break;
      ebr = first + next.readUInt32LE(8);
    }
  }
  return found;
}

/** Throws unless the partitions read from `device` are sound. */
function checkPartitions(partitions: FoundPartition[], device: FuzzDevice): void {
  const containers = partitions.filter((p) => p.container);
  for (const p of partitions) {
    checkNormalizedRanges([[p.start, p.start + p.size]], 0, device.size, `partition ${p.index}`);
    if (p.index >= 5) {
      const inside = containers.some(
        (c) => p.start >= c.start && p.start + p.size <= c.start + c.size,
      );
      if (!inside) throw new Error(`logical partition ${p.index} is outside its container`);
    } else if (p.index < 1) throw new Error(`partition index ${p.index}`);
  }
  // Partitions do not overlap each other, the MBR or an EBR.
  const spans = [
    ...partitions.filter((p) => !p.container).map((p) => [p.start, p.start + p.size] as const),
    ...[0, ...ebrSectors(device)].map((s) => [s * 512, s * 512 + 512] as const),
  ].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) {
      throw new Error(`[${spans[i - 1]}) and [${spans[i]}) overlap`);
    }
  }
}

describe('MBR reader fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-mbr-');
  });
  afterAll(() => dir?.remove());

  it('MBR with logical partitions: mutated, it returns sound partitions, null, or distrusts', async () => {
    const script =
      'label: dos\\nlabel-id: 0x5eed0015\\n' +
      'size=1MiB, type=83, bootable\\nsize=1MiB, type=0c\\nsize=1MiB, type=82\\n' +
      'type=05\\nsize=1MiB, type=83\\nsize=1MiB, type=07\\nsize=1MiB, type=83\\n';
    const seed = await seedImage(
      dir.path,
      'seed.img',
      16 * MIB,
      (file) => `printf '${script}' | sfdisk -q ${file}`,
    );
    const intact = await readMbr(async (p, n) => seed.subarray(p, p + n), 512, seed.length);
    expect(intact?.partitions.map((p) => p.index)).toEqual([1, 2, 3, 5, 6, 7, 4]);
    const { fields, sectors } = mbrFields(seed);
    const regions = sectors.map((s): [number, number] => [s * 512 + 446, s * 512 + 512]);
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(mutations({ seed, regions, fields }), async (changes) => {
        const device = new FuzzDevice(seed, changes);
        const { read } = boundedRead(device, { outside: { error: (m) => new Distrust(m) } });
        const outcome = await outcomeOf(() => readMbr(read, 512, device.size), [Distrust]);
        tally.add(outcome);
        if (outcome.kind === 'result' && outcome.value) {
          checkPartitions(outcome.value.partitions, device);
        }
      }),
      fuzzOptions(RUNS),
    );
    console.log(tally.summary('MBR'));
    tally.checkDepth('MBR');
  });
});

describe('MBR reader: what fuzzing found', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let seed: Buffer;
  let ebr: number;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-mbr-');
    seed = await seedImage(
      dir.path,
      'seed.img',
      8 * MIB,
      (file) => `printf 'label: dos\\ntype=05\\nsize=1MiB\\nsize=1MiB\\n' | sfdisk -q ${file}`,
    );
    // The first EBR, at the extended partition's start.
    ebr = seed.readUInt32LE(446 + 8) * 512;
  });
  afterAll(() => dir?.remove());

  const readerOf = (device: FuzzDevice) =>
    readMbr(async (p, n) => device.bytes(p, n), 512, device.size);

  it('a logical partition grown over the next one and its EBR is distrusted', async () => {
    // 4096 more sectors for the first logical partition: over the second EBR and partition.
    // Before the fix both partitions were taken as they were.
    const device = new FuzzDevice(seed, [
      { op: 'add', at: ebr + 446 + 12, width: 4, delta: 4096n },
    ]);
    await expect(readerOf(device)).rejects.toThrow(
      new Distrust('partition 5 covers the partition table'),
    );
  });

  it('a logical partition that starts on its own EBR is distrusted', async () => {
    // The second EBR's partition starts 0 sectors after it: on the EBR itself, which a
    // filesystem reader could then call free. Before the fix it was taken as it was.
    const second = ebr + seed.readUInt32LE(ebr + 446 + 16 + 8) * 512;
    const device = new FuzzDevice(seed, [{ op: 'int', at: second + 446 + 8, width: 4, value: 0n }]);
    await expect(readerOf(device)).rejects.toThrow(
      new Distrust('partition 6 covers the partition table'),
    );
  });
});
