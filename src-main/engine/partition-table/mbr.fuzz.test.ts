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

/** Throws unless the partitions are sound for a disk of `size` bytes. */
function checkPartitions(partitions: FoundPartition[], size: number): void {
  const containers = partitions.filter((p) => p.container);
  for (const p of partitions) {
    checkNormalizedRanges([[p.start, p.start + p.size]], 0, size, `partition ${p.index}`);
    if (p.index >= 5) {
      const inside = containers.some(
        (c) => p.start >= c.start && p.start + p.size <= c.start + c.size,
      );
      if (!inside) throw new Error(`logical partition ${p.index} is outside its container`);
    } else if (p.index < 1) throw new Error(`partition index ${p.index}`);
  }
  const data = partitions.filter((p) => !p.container).sort((a, b) => a.start - b.start);
  for (let i = 1; i < data.length; i++) {
    if (data[i]!.start < data[i - 1]!.start + data[i - 1]!.size) {
      throw new Error(`partitions ${data[i - 1]!.index} and ${data[i]!.index} overlap`);
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
          checkPartitions(outcome.value.partitions, device.size);
        }
      }),
      fuzzOptions(RUNS),
    );
    console.log(tally.summary('MBR'));
    expect(tally.results).toBeGreaterThan(RUNS / 10);
    expect(tally.refused).toBeGreaterThan(RUNS / 10);
  });
});

describe('MBR reader: what fuzzing found', () => {
  it('a logical partition that overlaps the next one is distrusted', async () => {
    const dir = await tempDir('spillway-fuzz-mbr-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        8 * MIB,
        (file) => `printf 'label: dos\\ntype=05\\nsize=1MiB\\nsize=1MiB\\n' | sfdisk -q ${file}`,
      );
      // The first EBR (at the extended partition's start) gets 4096 more sectors for its
      // logical partition: now over the second one. Before the fix both were taken.
      const ebr = seed.readUInt32LE(446 + 8) * 512;
      const device = new FuzzDevice(seed, [
        { op: 'add', at: ebr + 446 + 12, width: 4, delta: 4096n },
      ]);
      const read = async (p: number, n: number) => device.bytes(p, n);
      await expect(readMbr(read, 512, device.size)).rejects.toThrow(
        new Distrust('partitions 5 and 6 overlap'),
      );
    } finally {
      await dir.remove();
    }
  });
});
