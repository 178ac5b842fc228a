// Fuzzing the age layer: an encrypted image (made by the sink, as a backup makes one) with
// its header and chunk stream mutated (bits flipped, bytes overwritten, cut, bytes inserted
// in the header), opened and read whole. Every changed file must be refused with a
// SpillwayError (the header's MAC and each chunk's tag cover every byte), never read as
// something else, never crash or hang; reads stay within the file. Memory is bounded by the
// header cap (64 KiB read) and the scrypt work cap (MAX_LOG_N).

import fc from 'fast-check';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpillwayError } from '../../errors.js';
import { fuzzOptions, outcomeOf, Tally } from '../../../test-support/fuzz.js';
import { seededStream } from '../../../test-support/seeded-bytes.js';
import { memoryImageInput } from '../image-input.js';
import { memorySink } from '../../../test-support/memory-sink.js';
import { newAgeHeader } from './age-header.js';
import type { AgeKeys, AgeLock } from './age-keys.js';
import { openAgeInput } from './input.js';
import { encryptingSink } from './sink.js';
import { CodecPool } from '../../pool/codec-pool.js';

async function encrypted(plain: Buffer, lock: AgeLock): Promise<Buffer> {
  const inner = memorySink();
  const pool = new CodecPool(2);
  try {
    const sink = encryptingSink(inner, await newAgeHeader(lock), pool);
    // Written in uneven pieces, as frames come.
    for (let at = 0; at < plain.byteLength; at += 50_000) {
      await sink.write(plain.subarray(at, at + 50_000));
    }
    await sink.commit();
    return inner.bytes();
  } finally {
    await pool.close();
  }
}

type Change =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'cut'; length: number }
  | { op: 'insert'; at: number; bytes: number[] };

function apply(seed: Buffer, changes: Change[]): Buffer {
  let bytes = Buffer.from(seed);
  for (const change of changes) {
    switch (change.op) {
      case 'flip':
        if (change.at < bytes.length) bytes[change.at]! ^= 1 << change.bit;
        break;
      case 'set':
        if (change.at < bytes.length) bytes[change.at] = change.byte;
        break;
      case 'cut':
        bytes = bytes.subarray(0, Math.min(change.length, bytes.length));
        break;
      case 'insert':
        bytes = Buffer.concat([
          bytes.subarray(0, change.at),
          Buffer.from(change.bytes),
          bytes.subarray(change.at),
        ]);
        break;
    }
  }
  return bytes;
}

/** Changes aimed at the header (`headerEnd` bytes) half the time, anywhere otherwise. */
function changes(size: number, headerEnd: number): fc.Arbitrary<Change[]> {
  const at = fc.oneof(fc.nat({ max: headerEnd - 1 }), fc.nat({ max: size - 1 }));
  const headerText = fc.constantFrom(
    ...[0x0a, 0x20, 0x2d, 0x3e, 0x41, 0x2b, 0x2f, 0x3d, 0x00, 0xff, 0x39].map((b) => b),
  );
  const change: fc.Arbitrary<Change> = fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at, byte: headerText }),
    fc.record({ op: fc.constant('cut' as const), length: fc.nat({ max: size - 1 }) }),
    fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat({ max: headerEnd }),
      bytes: fc.array(headerText, { minLength: 1, maxLength: 8 }),
    }),
  );
  return fc.array(change, { minLength: 1, maxLength: 3 });
}

async function readWhole(bytes: Buffer, keys: AgeKeys): Promise<Buffer> {
  let reads = 0;
  const outer = memoryImageInput('fuzzed.img.zst.age', bytes);
  const counted = {
    ...outer,
    async read(position: number, length: number) {
      if (++reads > 10_000) throw new Error('too many reads: a loop the bytes control');
      return outer.read(position, length);
    },
  };
  const input = await openAgeInput(counted, keys);
  try {
    // In pieces that straddle chunks, as the image readers ask.
    const out = Buffer.alloc(input.size);
    for (let at = 0; at < input.size; at += 100_003) {
      await input.readInto(out.subarray(at, Math.min(at + 100_003, input.size)), at);
    }
    return out;
  } finally {
    await input.close();
  }
}

describe('age layer, fuzzed', () => {
  const plain = seededStream('age', 'fuzz')(300_000);
  let identity: string;
  let seed: Buffer;
  let headerEnd: number;

  beforeAll(async () => {
    identity = await generateX25519Identity();
    const lock: AgeLock = { kind: 'recipients', recipients: [await identityToRecipient(identity)] };
    seed = await encrypted(plain, lock);
    headerEnd = seed.indexOf('\n---') + 60;
  });

  it('the intact seed reads back exactly', async () => {
    expect((await readWhole(seed, { identities: [identity] })).equals(plain)).toBe(true);
  });

  it('mutated headers and chunk streams: refused in words, or unchanged', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(changes(seed.length, headerEnd), async (list) => {
        const bytes = apply(seed, list);
        const outcome = await outcomeOf(
          () => readWhole(bytes, { identities: [identity] }),
          [SpillwayError],
        );
        tally.add(outcome.kind === 'result' ? { kind: 'result', value: true } : outcome);
        if (outcome.kind === 'result') {
          // Only a file whose bytes did not change may be read at all.
          expect(bytes.equals(seed)).toBe(true);
          expect(outcome.value.equals(plain)).toBe(true);
        }
      }),
      fuzzOptions(300, 21),
    );
    // Most changes must be refused (a few cuts or inserts land where they change nothing).
    expect(tally.refused).toBeGreaterThan(tally.runs * 0.9);
    expect(tally.reasons.size).toBeGreaterThan(3);
    console.log(tally.summary('age layer'), [...tally.reasons.keys()]);
  }, 120_000);

  it('a passphrase header, mutated: the same, within the scrypt cap', async () => {
    // A small work factor keeps the runs fast; a header asking more than the cap is refused.
    const lock: AgeLock = { kind: 'passphrase', passphrase: 'fuzz', logN: 10 };
    const passSeed = await encrypted(plain.subarray(0, 70_000), lock);
    const end = passSeed.indexOf('\n---') + 60;
    await fc.assert(
      fc.asyncProperty(changes(passSeed.length, end), async (list) => {
        const bytes = apply(passSeed, list);
        const outcome = await outcomeOf(
          () => readWhole(bytes, { passphrase: 'fuzz' }),
          [SpillwayError],
        );
        if (outcome.kind === 'result') expect(bytes.equals(passSeed)).toBe(true);
      }),
      { ...fuzzOptions(12, 22), timeout: 30_000 },
    );
  }, 600_000);
});
