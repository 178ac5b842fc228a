// Fuzzing the parsers of on-disk data (partition tables, filesystems' allocation data, image
// indexes): shared by every *.fuzz.test.ts, and meant for the next parsers too (browse readers).
//
// A fuzz test starts from real structures made by the real tools (a seed image), changes a
// few bytes of it, and runs a parser over the result. Whatever the bytes, the parser must
// either return a well-formed result or refuse with the error it is meant to throw (Distrust,
// SpillwayError, FormatError...): any other exception (TypeError, RangeError from a Buffer
// read, an out-of-range position handed to the device) is a crash. It must also stay bounded:
// the device it reads refuses any read larger than a cap, and more reads or more bytes per run
// than a budget (a hang or an unbounded allocation in the making); fast-check times each run.
//
// Mutations are data (plain objects), so that a failing case prints as the list of changes that
// made it and can be replayed by a regression test: `new FuzzDevice(seed, mutations)`.
// They aim at the bytes the parser reads from the intact seed (its metadata) more than at any
// byte: see tracedRegions().

import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { q, sh } from './shell.js';

const MIB = 2 ** 20;

/** One seed for every fuzz test: a failing run is the same on every machine. */
export const FUZZ_SEED = 20_261_122;

/**
 * Runs per property: `base`, times SPILLWAY_FUZZ_SCALE when set (a deeper search on a quiet
 * machine: `SPILLWAY_FUZZ_SCALE=20 npx vitest run .fuzz.test`). CI runs the base budget.
 */
export function fuzzRuns(base: number): number {
  const scale = Number(process.env.SPILLWAY_FUZZ_SCALE ?? 1);
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** fast-check's options for one property: the fixed seed, the runs, a time limit per run. */
export function fuzzOptions(runs: number, seedOffset = 0) {
  return {
    seed: FUZZ_SEED + seedOffset,
    numRuns: fuzzRuns(runs),
    // A run is one parse of a small image: seconds mean a loop the bytes control.
    timeout: 5_000,
  } as const;
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** One change to the seed's bytes. Positions are byte offsets; values are written little-endian. */
export type Mutation =
  /** Flips one bit. */
  | { op: 'flip'; at: number; bit: number }
  /** Writes `value` as a `width`-byte little-endian integer (two's complement if negative). */
  | { op: 'int'; at: number; width: 1 | 2 | 4 | 8; value: bigint }
  /** Adds `delta` to the `width`-byte little-endian integer there (wrapping). */
  | { op: 'add'; at: number; width: 1 | 2 | 4 | 8; delta: bigint }
  /** Copies `length` bytes from `from` over `to`: duplicated entries, records, references. */
  | { op: 'copy'; from: number; to: number; length: number }
  /** Fills `length` bytes with `byte`. */
  | { op: 'fill'; at: number; length: number; byte: number }
  /** Writes these bytes (hex): what a `seal` computed, such as a checksum made right again. */
  | { op: 'write'; at: number; hex: string }
  /** Makes the device `size` bytes long: cut short, or longer (the new bytes are zeros). */
  | { op: 'resize'; size: number };

/**
 * A seed image with mutations applied, read by position. The seed is never copied whole: the
 * changes are kept as patches and applied to each read, so a run costs what the parser reads.
 */
export class FuzzDevice {
  /** Bytes in the device (after the mutations applied so far, while constructing). */
  size: number;
  private readonly patches: Array<{ at: number; bytes: Buffer }> = [];

  constructor(
    private readonly seed: Buffer,
    mutations: readonly Mutation[] = [],
  ) {
    this.size = seed.byteLength;
    for (const m of mutations) {
      if (m.op === 'resize') {
        this.size = m.size;
        continue;
      }
      const patch = this.patchFor(m, this.size);
      if (patch.at < this.size) this.patches.push(patch);
    }
  }

  private patchFor(m: Exclude<Mutation, { op: 'resize' }>, size: number) {
    switch (m.op) {
      case 'flip': {
        const bytes = this.bytes(m.at, 1);
        bytes[0] = bytes[0]! ^ (1 << m.bit);
        return { at: m.at, bytes };
      }
      case 'int':
        return { at: m.at, bytes: leBytes(m.value, m.width) };
      case 'add': {
        const current = readLe(this.bytes(m.at, m.width));
        return { at: m.at, bytes: leBytes(current + m.delta, m.width) };
      }
      case 'copy':
        return { at: m.to, bytes: this.bytes(m.from, Math.min(m.length, size)) };
      case 'fill':
        return { at: m.at, bytes: Buffer.alloc(Math.min(m.length, size), m.byte) };
      case 'write':
        return { at: m.at, bytes: Buffer.from(m.hex, 'hex') };
    }
  }

  /** `length` bytes at `position` (zeros past the seed), as a new buffer. */
  bytes(position: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    if (position < this.seed.byteLength) {
      this.seed.copy(out, 0, position, Math.min(this.seed.byteLength, position + length));
    }
    for (const { at, bytes } of this.patches) {
      const from = Math.max(at, position);
      const to = Math.min(at + bytes.byteLength, position + length);
      if (from < to) bytes.copy(out, from - position, from - at, to - at);
    }
    // A patch may reach past a shorter device's end: what is past the end does not exist.
    if (position + length > this.size) out.fill(0, Math.max(0, this.size - position));
    return out;
  }

  /** The whole device as one buffer (for parsers that take bytes, not a ReadAt). */
  all(): Buffer {
    return this.bytes(0, this.size);
  }
}

function leBytes(value: bigint, width: number): Buffer {
  const bits = BigInt(width * 8);
  let v = BigInt.asUintN(Number(bits), value);
  const out = Buffer.alloc(width);
  for (let i = 0; i < width; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

function readLe(bytes: Buffer): bigint {
  let v = 0n;
  for (let i = bytes.byteLength - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** Byte ranges [start, end) of a seed where its metadata is. */
export type Region = [start: number, end: number];

/** A number the parser reads: `width` bytes, little-endian, at byte `at` of the seed. */
export interface Field {
  at: number;
  width: 1 | 2 | 4 | 8;
}

export interface MutationSpace {
  /** The intact bytes. */
  seed: Buffer;
  /** Where to aim: every mutation picks one region (all equally likely), then a place in it. */
  regions: Region[];
  /**
   * The numbers the parser reads (sizes, counts, pointers, flags), when the test knows them:
   * most mutations then overwrite one of these with a value chosen to break it.
   */
  fields?: Field[];
  /** Numbers that mean something for this seed (its size in sectors, a block count...). */
  hints?: number[];
  /** Integer values found in the seed's metadata (pointers, counts): reused elsewhere. */
  dictionary?: bigint[];
  /** At most this many mutations per case (default 3). */
  maxMutations?: number;
  /** Whether the device may change size (default true). */
  resize?: boolean;
  /**
   * Whether it may also grow, up to 4 GiB (default true). Not for tests that take the whole
   * device as one buffer (FuzzDevice.all): they would allocate it.
   */
  grow?: boolean;
}

/** Values that break parsers: zero, one, all ones, sign bits, 2^31, 2^32 and their neighbours. */
function boundaries(width: 1 | 2 | 4 | 8): bigint[] {
  const bits = BigInt(width * 8);
  const max = (1n << bits) - 1n;
  const sign = 1n << (bits - 1n);
  const values = [0n, 1n, 2n, 3n, 7n, 8n, 0x10n, max, max - 1n, sign, sign - 1n, sign + 1n];
  if (width >= 4) values.push(0x1000n, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn);
  if (width === 8) values.push(0x100000000n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 40n);
  if (width === 2) values.push(0x200n, 0x1000n, 0x8000n);
  return values;
}

const WIDTHS = [1, 2, 4, 8] as const;

/** The ranges of a list of reads, sorted and merged. */
export function mergeRegions(reads: Region[]): Region[] {
  const sorted = reads.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Region[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * The regions a parser reads from the intact seed: its metadata, found by the parser itself.
 * Large regions (a FAT, a bitmap) are cut into pieces of `piece` bytes so that their first
 * bytes, where headers and the first entries are, get more than their share of mutations.
 */
export async function tracedRegions(
  seed: Buffer,
  parse: (
    device: FuzzDevice,
    read: (position: number, length: number) => Promise<Buffer>,
  ) => Promise<unknown>,
  piece = 4096,
): Promise<Region[]> {
  const reads: Region[] = [];
  const device = new FuzzDevice(seed);
  await parse(device, async (position, length) => {
    reads.push([position, position + length]);
    return device.bytes(position, length);
  });
  const regions: Region[] = [];
  for (const [a, b] of mergeRegions(reads)) {
    // The first piece of a long region on its own, then the rest in at most 16 pieces.
    regions.push([a, Math.min(b, a + piece)]);
    const rest = b - (a + piece);
    if (rest > 0) {
      const step = Math.max(piece, Math.ceil(rest / 16));
      for (let s = a + piece; s < b; s += step) regions.push([s, Math.min(b, s + step)]);
    }
  }
  return regions;
}

/**
 * Distinct little-endian u32 values at aligned places of the regions' first 4 KiB (up to
 * `limit`): block numbers, cluster numbers, LBAs, sizes. Written elsewhere they make
 * references that point at other structures, at themselves, or in loops.
 */
export function dictionaryOf(seed: Buffer, regions: Region[], limit = 512): bigint[] {
  const found = new Set<bigint>();
  for (const [a, b] of regions) {
    for (let at = a - (a % 4); at + 4 <= Math.min(b, a + 4096, seed.byteLength); at += 4) {
      const v = seed.readUInt32LE(at);
      if (v !== 0 && v !== 0xffffffff) found.add(BigInt(v));
      if (found.size >= limit) return [...found];
    }
  }
  return [...found];
}

/**
 * What makes a mutated structure pass its checksums again (a CRC, a boot checksum): the writes
 * that do it, computed from the mutated device. Without it nearly every mutation of a
 * checksummed structure would be refused at the checksum, and nothing behind it tested.
 */
export type Seal = (device: FuzzDevice) => Mutation[];

/**
 * Cases: a list of 1..maxMutations mutations aimed at `space`. With a `seal`, most cases end
 * with its writes (the others test the checksum checks themselves).
 */
export function mutations(space: MutationSpace, seal?: Seal): fc.Arbitrary<Mutation[]> {
  const list = fc.array(mutation(space), { minLength: 1, maxLength: space.maxMutations ?? 3 });
  if (!seal) return list;
  return fc
    .tuple(list, fc.nat({ max: 3 }))
    .map(([changes, n]) =>
      n === 0 ? changes : [...changes, ...seal(new FuzzDevice(space.seed, changes))],
    );
}

/**
 * One mutation of `space`: a bit flipped, an integer written (a boundary value, a hint, a
 * dictionary value, any) or nudged, bytes copied or filled, the device resized; overwriting
 * a known field most of the time when there are fields.
 */
export function mutation(space: MutationSpace): fc.Arbitrary<Mutation> {
  const regions = space.regions.length > 0 ? space.regions : [[0, space.seed.byteLength] as Region];
  // A place: in a metadata region most of the time, anywhere in the seed sometimes.
  const place = fc.oneof(
    {
      weight: 9,
      arbitrary: fc.tuple(fc.nat({ max: regions.length - 1 }), fc.nat()).map(([i, k]) => {
        const [a, b] = regions[i]!;
        return a + (k % Math.max(1, b - a));
      }),
    },
    { weight: 1, arbitrary: fc.nat({ max: Math.max(0, space.seed.byteLength - 1) }) },
  );
  const hints = (space.hints ?? []).filter((h) => Number.isSafeInteger(h) && h >= 0);
  const dictionary = space.dictionary ?? [];
  const value = (width: 1 | 2 | 4 | 8): fc.Arbitrary<bigint> => {
    const choices: Array<fc.Arbitrary<bigint>> = [fc.constantFrom(...boundaries(width))];
    if (hints.length > 0) choices.push(fc.constantFrom(...hints.map((h) => BigInt(h))));
    if (dictionary.length > 0) choices.push(fc.constantFrom(...dictionary));
    choices.push(fc.bigInt({ min: 0n, max: (1n << BigInt(width * 8)) - 1n }));
    return fc.oneof(...choices);
  };
  const aligned = (width: number) => place.map((at) => at - (at % width));
  const width = fc.constantFrom(...WIDTHS);
  const deltas = [-1n, 1n, -2n, 2n, -8n, 8n, 512n, -512n, 4096n, 2n ** 16n, 2n ** 32n];
  const sizes = [
    ...[1, 2, 4, 511, 512, 4096, 65536, 2 ** 20].map((d) => space.seed.byteLength - d),
    Math.floor(space.seed.byteLength / 2),
    space.seed.byteLength + 512,
    space.seed.byteLength * 2,
    // A larger device, zeros past the seed: numbers pointing past the seed then point at
    // something, and size checks against the device pass. Larger still would make legitimate
    // work (a bitmap per group of a 1 TiB filesystem) exceed the bounds of a run.
    2 ** 32,
  ].filter((s) => s > 0 && (space.grow !== false || s < space.seed.byteLength));
  const arbitraries: Array<fc.WeightedArbitrary<Mutation>> = [
    {
      weight: 3,
      arbitrary: fc
        .tuple(place, fc.nat({ max: 7 }))
        .map(([at, bit]): Mutation => ({ op: 'flip', at, bit })),
    },
    {
      weight: 6,
      arbitrary: width.chain((w) =>
        fc
          .tuple(aligned(w), value(w))
          .map(([at, v]): Mutation => ({ op: 'int', at, width: w, value: v })),
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(width, fc.constantFrom(...deltas))
        .chain(([w, delta]) =>
          aligned(w).map((at): Mutation => ({ op: 'add', at, width: w, delta })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(place, place, fc.constantFrom(4, 8, 16, 32, 64, 128, 512, 1024, 4096))
        .map(([from, to, length]): Mutation => ({ op: 'copy', from, to, length })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(place, fc.constantFrom(1, 4, 16, 64, 512, 4096), fc.constantFrom(0, 0xff))
        .map(([at, length, byte]): Mutation => ({ op: 'fill', at, length, byte })),
    },
  ];
  const fields = space.fields ?? [];
  if (fields.length > 0) {
    const field = fc.constantFrom(...fields);
    arbitraries.push(
      {
        weight: 12,
        arbitrary: field.chain((f) =>
          value(f.width).map((v): Mutation => ({ op: 'int', at: f.at, width: f.width, value: v })),
        ),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(field, fc.constantFrom(...deltas))
          .map(([f, delta]): Mutation => ({ op: 'add', at: f.at, width: f.width, delta })),
      },
      {
        weight: 3,
        arbitrary: field.chain((f) =>
          fc
            .tuple(fc.nat({ max: f.width - 1 }), fc.nat({ max: 7 }))
            .map(([byte, bit]): Mutation => ({ op: 'flip', at: f.at + byte, bit })),
        ),
      },
    );
  }
  if (space.resize !== false && sizes.length > 0) {
    arbitraries.push({
      weight: 1,
      arbitrary: fc.constantFrom(...sizes).map((size): Mutation => ({ op: 'resize', size })),
    });
  }
  return fc.oneof(...arbitraries);
}

// ---------------------------------------------------------------------------------------------
// A bounded device

/** A bound of the fuzz harness was crossed: a failure of the property, never an accepted end. */
export class FuzzBoundExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzBoundExceeded';
  }
}

export interface ReadBounds {
  /** Largest single read (what one Buffer.alloc of the real reader may cost). */
  maxRead: number;
  /** Bytes read in one run, all reads together. */
  maxTotal: number;
  /** Reads in one run: a parser that loops on what it reads stops here. */
  maxCalls: number;
}

export const DEFAULT_BOUNDS: ReadBounds = {
  maxRead: 64 * MIB,
  maxTotal: 512 * MIB,
  maxCalls: 50_000,
};

export interface BoundedRead {
  read(position: number, length: number): Promise<Buffer>;
  calls: number;
  total: number;
}

/**
 * A ReadAt over `device` that checks what the real drive reader cannot: positions and lengths
 * must be whole numbers, and each read and each run within the bounds. Reads outside the
 * device are what `outside` says:
 * - `{ error }`: throw that error, as a partition-bounded reader does (the filesystem readers
 *   run behind one: used-block-map's inPartition throws Distrust);
 * - 'fail': a failure of the property (the code under test promised to check the end itself).
 */
export function boundedRead(
  device: FuzzDevice,
  options: {
    outside: 'fail' | { error: (message: string) => Error };
    bounds?: Partial<ReadBounds>;
  },
): BoundedRead {
  const bounds = { ...DEFAULT_BOUNDS, ...options.bounds };
  const state: BoundedRead = {
    calls: 0,
    total: 0,
    read: async (position, length) => {
      state.calls++;
      // NaN and fractions pass the range checks of the real readers (every comparison with
      // NaN is false) and reach the file system's read, which throws or silently reads at a
      // truncated position. Huge whole numbers are only out of range.
      if (!Number.isInteger(position) || !Number.isInteger(length)) {
        throw new FuzzBoundExceeded(`read(${position}, ${length}): not whole numbers`);
      }
      if (position < 0 || length < 0 || position + length > device.size) {
        if (options.outside === 'fail') {
          throw new FuzzBoundExceeded(
            `read(${position}, ${length}) outside the ${device.size}-byte device`,
          );
        }
        throw options.outside.error('a structure points outside its partition');
      }
      if (length > bounds.maxRead) {
        throw new FuzzBoundExceeded(`read(${position}, ${length}): over ${bounds.maxRead} bytes`);
      }
      state.total += length;
      if (state.total > bounds.maxTotal) {
        throw new FuzzBoundExceeded(`over ${bounds.maxTotal} bytes read in one run`);
      }
      if (state.calls > bounds.maxCalls) {
        throw new FuzzBoundExceeded(`over ${bounds.maxCalls} reads in one run`);
      }
      return device.bytes(position, length);
    },
  };
  return state;
}

// ---------------------------------------------------------------------------------------------
// Outcomes

export type Outcome<T> = { kind: 'result'; value: T } | { kind: 'refused'; reason: string };

/**
 * Runs `parse`: its result, or its refusal when it threw one of the `accepted` error classes.
 * Anything else thrown (a crash, a FuzzBoundExceeded) propagates and fails the property.
 */
export async function outcomeOf<T>(
  parse: () => Promise<T>,
  accepted: ReadonlyArray<abstract new (...args: never[]) => Error>,
): Promise<Outcome<T>> {
  try {
    return { kind: 'result', value: await parse() };
  } catch (error) {
    if (error instanceof FuzzBoundExceeded) throw error;
    if (accepted.some((type) => error instanceof type)) {
      return { kind: 'refused', reason: (error as Error).message };
    }
    throw error;
  }
}

/** outcomeOf for a synchronous parser. */
export function outcomeOfSync<T>(
  parse: () => T,
  accepted: ReadonlyArray<abstract new (...args: never[]) => Error>,
): Outcome<T> {
  try {
    return { kind: 'result', value: parse() };
  } catch (error) {
    if (error instanceof FuzzBoundExceeded) throw error;
    if (accepted.some((type) => error instanceof type)) {
      return { kind: 'refused', reason: (error as Error).message };
    }
    throw error;
  }
}

/** Counts outcomes over a fuzz run, to print them and to check that the runs went deep. */
export class Tally {
  results = 0;
  refused = 0;
  /** Results that say "not this structure" (null). */
  absent = 0;
  readonly reasons = new Map<string, number>();

  add(outcome: Outcome<unknown>): void {
    if (outcome.kind === 'refused') {
      this.refused++;
      // Numbers vary from case to case; the words name the check that refused.
      const reason = outcome.reason.replace(/\d+/g, 'N');
      this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    } else if (outcome.value === null) this.absent++;
    else this.results++;
  }

  get runs(): number {
    return this.results + this.refused + this.absent;
  }

  /**
   * Throws unless at least a tenth of the runs gave a result and a tenth did not (refused, or
   * not recognised): a fuzzer whose every case stops at the first check, or whose mutations
   * never matter, tests nothing deeper.
   */
  checkDepth(name: string): void {
    const tenth = this.runs / 10;
    if (this.results <= tenth || this.refused + this.absent <= tenth) {
      throw new Error(`${name}: too shallow: ${this.summary(name)}`);
    }
  }

  summary(name: string): string {
    return (
      `fuzz ${name}: ${this.runs} runs, ${this.results} results, ${this.refused} refused ` +
      `(${this.reasons.size} distinct reasons), ${this.absent} not recognised`
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Checks of results

/**
 * Throws unless `ranges` is a normalized list inside [start, end): whole numbers, each range
 * non-empty, sorted, not overlapping or touching (touching ranges would have been merged).
 */
export function checkNormalizedRanges(
  ranges: ReadonlyArray<readonly [number, number]>,
  start: number,
  end: number,
  what: string,
): void {
  let previousEnd = -1;
  for (const [a, b] of ranges) {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) {
      throw new Error(`${what}: [${a}, ${b}) is not made of whole numbers`);
    }
    if (a >= b) throw new Error(`${what}: [${a}, ${b}) is empty or reversed`);
    if (a < start || b > end) throw new Error(`${what}: [${a}, ${b}) leaves [${start}, ${end})`);
    if (a <= previousEnd) throw new Error(`${what}: [${a}, ${b}) is not after ${previousEnd}`);
    previousEnd = b;
  }
}

// ---------------------------------------------------------------------------------------------
// Seeds

/**
 * A seed image made by a real tool: `make` gets the path of a fresh file of `size` bytes
 * (sparse) and runs the tool on it; the file's bytes come back.
 */
export async function seedImage(
  dir: string,
  name: string,
  size: number,
  make: (file: string) => string,
): Promise<Buffer> {
  const file = `${dir}/${name}`;
  await sh(`truncate -s ${size} ${q(file)} && ${make(q(file))}`);
  return readFile(file);
}
