// The fuzz property every filesystem allocation reader shares (ext, FAT, exFAT, NTFS, swap):
// over a mutated seed, read through a device that behaves as used-block-map's partition view
// (a read outside the partition is Distrust), the reader returns null (not its filesystem),
// Distrust (read the partition whole), or an allocation whose used ranges are normalized, lie
// inside the partition and keep its first sector and everything the reader read to decide (no
// reader may call its own metadata unused). Anything else is a crash.

import fc from 'fast-check';
import { expect } from 'vitest';
import type { Allocation, FilesystemReader } from '../engine/filesystems/allocation.js';
import { normalize, subtract } from '../engine/ranges.js';
import { Distrust } from '../engine/read-at.js';
import {
  boundedRead,
  checkNormalizedRanges,
  dictionaryOf,
  FuzzDevice,
  fuzzOptions,
  mutations,
  outcomeOf,
  Tally,
  tracedRegions,
  type Field,
  type Mutation,
  type Seal,
  type Outcome,
} from './fuzz.js';

/**
 * Throws unless `allocation` is well formed for a partition of `size` bytes, and calls used
 * every byte the reader read to make it (`reads`): the superblock, the bitmaps, the MFT
 * records... A backup that skipped them would restore a filesystem without its metadata,
 * whatever its bitmap says.
 */
export function checkAllocation(
  allocation: Allocation,
  size: number,
  reads: ReadonlyArray<[number, number]>,
): void {
  const name = allocation.filesystem;
  if (typeof name !== 'string' || name === '') throw new Error('no filesystem name');
  checkNormalizedRanges(allocation.used, 0, size, `${name} used ranges`);
  if (allocation.used[0]?.[0] !== 0) throw new Error(`${name}: the first sector is not in use`);
  const unused = subtract(normalize(reads), allocation.used);
  if (unused.length > 0) {
    throw new Error(`${name}: it read [${unused[0]!.join(', ')}) and calls it unused`);
  }
}

/** One run: the reader over `seed` changed by `mutations`; throws on a crash or a bad result. */
export async function readMutated(
  reader: FilesystemReader,
  seed: Buffer,
  changes: readonly Mutation[],
): Promise<Outcome<Allocation | null>> {
  const device = new FuzzDevice(seed, changes);
  const bounded = boundedRead(device, { outside: { error: (m) => new Distrust(m) } });
  const reads: Array<[number, number]> = [];
  const read = async (position: number, length: number) => {
    const bytes = await bounded.read(position, length);
    reads.push([position, position + length]);
    return bytes;
  };
  const outcome = await outcomeOf(() => reader.read(read, device.size), [Distrust]);
  if (outcome.kind === 'result' && outcome.value) {
    checkAllocation(outcome.value, device.size, reads);
  }
  return outcome;
}

/**
 * Fuzzes `reader` from a seed image its filesystem's own mkfs made: `runs` cases of up to three
 * mutations aimed at the bytes the reader reads from the intact seed. Returns the tally, after
 * checking that the runs went past the first checks (some results, some refusals).
 */
export async function fuzzAllocationReader(
  reader: FilesystemReader,
  seed: { name: string; bytes: Buffer; filesystem: string; fields?: Field[]; seal?: Seal },
  runs: number,
  seedOffset: number,
): Promise<Tally> {
  const intact = await readMutated(reader, seed.bytes, []);
  expect(intact, `${seed.name}: the intact seed`).toMatchObject({
    kind: 'result',
    value: { filesystem: seed.filesystem },
  });

  const regions = await tracedRegions(seed.bytes, (device, read) => reader.read(read, device.size));
  const size = seed.bytes.byteLength;
  const space = {
    seed: seed.bytes,
    regions,
    hints: [size, size / 512, size / 1024, size / 4096, size / 8, size / 2, size - 512].map(
      Math.floor,
    ),
    dictionary: dictionaryOf(seed.bytes, regions),
    ...(seed.fields ? { fields: seed.fields } : {}),
  };
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(mutations(space, seed.seal), async (changes) => {
      tally.add(await readMutated(reader, seed.bytes, changes));
    }),
    fuzzOptions(runs, seedOffset),
  );
  console.log(tally.summary(seed.name));
  tally.checkDepth(seed.name);
  return tally;
}
