// Fuzzing a browse reader: a real volume's metadata (boot sector, allocation table, folders) is
// mutated in the places that hold numbers and names, and the whole tree is walked: every file
// listed, every file read. Whatever the bytes, the walk may only end in BrowseErrors: never
// another exception, a read outside the volume or larger than 1 MiB, a read budget blown (a
// loop that reads), or a run that does not finish in time. The seed is fixed; the runs are
// bounded by count and by time.

import fc from 'fast-check';
import { BrowseError, type BrowseReader } from '../engine/filesystems/browse.js';
import type { ReadAt } from '../engine/read-at.js';
import { browseTreeLines } from './browse-tree.js';
import { checkRead } from './file-read-at.js';

const MAX_READ = 2 ** 20;

/** A byte range of the volume worth mutating, with a weight (how often it is picked). */
export interface FuzzRegion {
  name: string;
  start: number;
  end: number;
  weight?: number;
}

/** Bytes written over the volume at `at` (or XORed into it). */
export interface Patch {
  at: number;
  bytes: Buffer;
  xor?: boolean;
}

export interface FuzzResult {
  runs: number;
  /** Runs where the reader refused the whole volume (open threw BrowseError or said null). */
  refused: number;
  /** Runs where some entries gave BrowseErrors and the rest was walked. */
  partly: number;
  /** Runs walked without any error (the mutation changed a name, a time, some content…). */
  clean: number;
  /** Most bytes read in one run. */
  mostBytes: number;
}

/** Values that make parsers trip: zeros, ones, the edges of 12, 16, 28 and 32-bit fields. */
const NUMBERS = [
  0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0xff7, 0xff8, 0xfff, 0x7fff, 0x8000, 0xfff7, 0xfff8, 0xffff,
  0x10000, 0x0ffffff7, 0x0ffffff8, 0x0fffffff, 0x7fffffff, 0x80000000, 0xfffffff7, 0xffffffff,
];

/** One mutation inside `regions`: a flipped byte, a set byte, a number, a garbled entry. */
function patchArbitrary(regions: FuzzRegion[], near: number[]): fc.Arbitrary<Patch> {
  const region = fc.oneof(
    ...regions.map((r) => ({
      arbitrary: fc.constant(r),
      weight: Math.max(1, Math.round(r.weight ?? 1)),
    })),
  );
  const number = fc.oneof(
    fc.constantFrom(...NUMBERS, ...near),
    fc.integer({ min: 0, max: 0xffffffff }),
  );
  return region.chain((r) => {
    const at = fc.integer({ min: r.start, max: r.end - 1 });
    const aligned = (size: number) =>
      at.map((i) => r.start + Math.floor((i - r.start) / size) * size);
    return fc
      .oneof(
        fc.tuple(at, fc.integer({ min: 1, max: 255 })).map(([i, mask]) => ({
          at: i,
          bytes: Buffer.from([mask]), // xor: applied below
          xor: true,
        })),
        fc.tuple(at, fc.integer({ min: 0, max: 255 })).map(([i, v]) => ({
          at: i,
          bytes: Buffer.from([v]),
        })),
        fc.tuple(aligned(2), number).map(([i, v]) => {
          const bytes = Buffer.alloc(2);
          bytes.writeUInt16LE(v & 0xffff);
          return { at: i, bytes };
        }),
        fc.tuple(aligned(4), number).map(([i, v]) => {
          const bytes = Buffer.alloc(4);
          bytes.writeUInt32LE(v >>> 0);
          return { at: i, bytes };
        }),
        // A 64-bit length: small, huge, past 2^53, all ones.
        fc
          .tuple(
            aligned(8),
            fc.constantFrom(0n, 1n, 4096n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n),
          )
          .map(([i, v]) => {
            const bytes = Buffer.alloc(8);
            bytes.writeBigUInt64LE(v);
            return { at: i, bytes };
          }),
        // A whole 32-byte directory entry: random, or zeros.
        fc
          .tuple(
            aligned(32),
            fc.oneof(
              fc.uint8Array({ minLength: 32, maxLength: 32 }),
              fc.constant(new Uint8Array(32)),
            ),
          )
          .map(([i, bytes]) => ({ at: i, bytes: Buffer.from(bytes) })),
      )
      .map((patch) => ({
        at: patch.at,
        bytes: patch.bytes.subarray(0, Math.max(0, r.end - patch.at)),
        ...('xor' in patch ? { xor: true } : {}),
      }));
  });
}

/** A ReadAt over `base` with `patches` applied, checking every read and a budget of bytes. */
function patchedReadAt(
  base: Buffer,
  patches: Patch[],
  budget: number,
): { read: ReadAt; bytes: () => number } {
  let bytes = 0;
  const read: ReadAt = async (position, length) => {
    checkRead(position, length, base.length, MAX_READ);
    bytes += length;
    if (bytes > budget) throw new Error(`more than ${budget} bytes read in one walk`);
    const out = Buffer.from(base.subarray(position, position + length));
    for (const patch of patches) {
      for (let i = 0; i < patch.bytes.length; i++) {
        const at = patch.at + i - position;
        if (at < 0 || at >= length) continue;
        out[at] = patch.xor ? out[at]! ^ patch.bytes[i]! : patch.bytes[i]!;
      }
    }
    return out;
  };
  return { read, bytes: () => bytes };
}

/** A copy of `volume` with `patches` applied. */
function patchedCopy(volume: Buffer, patches: Patch[]): Buffer {
  const copy = Buffer.from(volume);
  for (const { at, bytes, xor } of patches) {
    for (let i = 0; i < bytes.length; i++)
      copy[at + i] = xor ? copy[at + i]! ^ bytes[i]! : bytes[i]!;
  }
  return copy;
}

export interface FuzzOptions {
  reader: BrowseReader;
  volume: Buffer;
  regions: FuzzRegion[];
  /** Numbers that matter to this volume (its cluster count and neighbours…). */
  near?: number[];
  seed: number;
  numRuns: number;
  /** Stop starting new runs after this long (the result says how many ran). */
  timeLimitMs: number;
  /**
   * Applied to a copy of the mutated volume in half the runs: e.g. exFAT's entry-set checksums
   * made to match again, so the mutations also reach what a checksum guards.
   */
  fixup?: (volume: Buffer) => void;
}

/** Runs the fuzzer; throws (with fast-check's counterexample) when a walk breaks a rule. */
export async function fuzzBrowseReader(options: FuzzOptions): Promise<FuzzResult> {
  const { reader, volume, regions } = options;
  const result: FuzzResult = { runs: 0, refused: 0, partly: 0, clean: 0, mostBytes: 0 };
  // A walk reads each file once; a damaged volume may make files share clusters, so allow a
  // few times the volume, never more.
  const budget = 16 * volume.length;
  const patches = fc.array(patchArbitrary(regions, options.near ?? []), {
    minLength: 1,
    maxLength: 6,
  });
  const fixups = options.fixup ? fc.boolean() : fc.constant(false);
  await fc.assert(
    fc.asyncProperty(patches, fixups, async (list, fix) => {
      result.runs++;
      let base = volume;
      if (fix) {
        base = patchedCopy(volume, list);
        options.fixup!(base);
        list = [];
      }
      const { read, bytes } = patchedReadAt(base, list, budget);
      let errors = 0;
      try {
        const tree = await reader.open(read, volume.length);
        if (!tree) {
          result.refused++;
          return;
        }
        await browseTreeLines(tree, { onError: () => errors++, maxEntries: 200_000 });
        if (errors > 0) result.partly++;
        else result.clean++;
      } catch (error) {
        if (!(error instanceof BrowseError)) throw error;
        result.refused++;
      } finally {
        result.mostBytes = Math.max(result.mostBytes, bytes());
      }
    }),
    {
      seed: options.seed,
      numRuns: options.numRuns,
      interruptAfterTimeLimit: options.timeLimitMs,
      markInterruptAsFailure: false,
      timeout: 5000,
      endOnFailure: true,
    },
  );
  return result;
}
