// Sealing and opening in batches on worker threads gives exactly the age file that sealing
// chunk by chunk gives, reads it back whole, names a changed chunk by its byte range, and a
// small read still opens only the chunks it covers. The sink seals on a codec pool, as a
// backup's does (the job's own), and leaves it open: every file here is sealed on one pool.

import { blake3 } from '@napi-rs/blake-hash';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodecPool } from '../../pool/codec-pool.js';
import { SpillwayError } from '../../errors.js';
import { memorySink } from '../../../test-support/memory-sink.js';
import { seededStream } from '../../../test-support/seeded-bytes.js';
import { memoryImageInput } from '../image-input.js';
import { newAgeHeader, type SealedStart } from './age-header.js';
import { openAgeInput } from './input.js';
import {
  BATCH_CHUNKS,
  CHUNK_SIZE,
  payloadGeometry,
  SEALED_CHUNK_SIZE,
  sealChunk,
} from '../../sealing/payload-chunks.js';
import { encryptingSink, HELD_BEFORE_HEADER } from './sink.js';

const BATCH = BATCH_CHUNKS * CHUNK_SIZE;

let identity: string;
let start: SealedStart;
let prefix: Buffer;
/** The pool every sink here seals on; closed only at the end, as a job closes its own. */
const pool = new CodecPool(2);
afterAll(() => pool.close());

beforeAll(async () => {
  identity = await generateX25519Identity();
  start = await newAgeHeader({
    kind: 'recipients',
    recipients: [await identityToRecipient(identity)],
  });
  prefix = await start.prefix;
});

/** Through the sink (batches on the workers), written in uneven pieces as frames come. */
async function sealedBySink(plain: Buffer): Promise<Buffer> {
  const inner = memorySink();
  const sink = encryptingSink(inner, start, pool);
  for (let at = 0; at < plain.byteLength; at += 300_001) {
    await sink.write(plain.subarray(at, at + 300_001));
  }
  await sink.commit();
  return inner.bytes();
}

/** The same file sealed one chunk at a time on this thread: the reference. */
function sealedOneByOne(plain: Buffer): Buffer {
  const chunks = Math.max(1, Math.ceil(plain.byteLength / CHUNK_SIZE));
  const parts = [prefix];
  for (let i = 0; i < chunks; i++) {
    const body = plain.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE);
    parts.push(sealChunk(start.key, i, i === chunks - 1, body));
  }
  return Buffer.concat(parts);
}

describe('age payload in batches on worker threads', () => {
  it('seals byte for byte as chunk by chunk, at every batch boundary, and reads back', async () => {
    const bytes = seededStream('age-batches', 'plain');
    for (const size of [0, 1, CHUNK_SIZE, BATCH, BATCH + 1, 3 * BATCH + 12_345]) {
      const plain = bytes(size);
      const file = await sealedBySink(plain);
      expect(file.equals(sealedOneByOne(plain)), `size ${size}`).toBe(true);
      const opened: number[] = [];
      const input = await openAgeInput(memoryImageInput('batches.img.zst.age', file), {
        identities: [identity],
        onChunkOpened: (index) => opened.push(index),
      });
      expect(input.size).toBe(size);
      if (size > 0) expect((await input.read(0, size)).equals(plain), `size ${size}`).toBe(true);
      // Every chunk opened, once (the last one perhaps again: its open checked it and the
      // small cache of chunks may have let it go).
      const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
      expect(new Set(opened).size).toBe(chunks);
      expect(opened.length).toBeLessThanOrEqual(chunks + 1);
      await input.close();
    }
  });

  it('names a changed chunk in a large read by its byte range, and nothing after it is given', async () => {
    const plain = seededStream('age-batches', 'damaged')(5 * BATCH);
    const file = await sealedBySink(plain);
    const changedChunk = 37;
    const at = prefix.byteLength + changedChunk * SEALED_CHUNK_SIZE + 1000;
    file[at]! ^= 0x10;
    const input = await openAgeInput(memoryImageInput('damaged.img.zst.age', file), {
      identities: [identity],
    });
    const first = prefix.byteLength + changedChunk * SEALED_CHUNK_SIZE;
    const error = await input.read(0, plain.byteLength).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpillwayError);
    expect((error as SpillwayError).code).toBe('image-damaged');
    expect((error as Error).message).toContain(
      `bytes ${first}–${first + SEALED_CHUNK_SIZE - 1} (encrypted chunk ${changedChunk},`,
    );
    // The chunks before it still read.
    const before = await input.read(0, changedChunk * CHUNK_SIZE);
    expect(before.equals(plain.subarray(0, changedChunk * CHUNK_SIZE))).toBe(true);
    await input.close();
  });

  it('opens only the chunks a small read covers', async () => {
    const plain = seededStream('age-batches', 'random access')(4 * BATCH);
    const file = await sealedBySink(plain);
    const opened: number[] = [];
    const input = await openAgeInput(memoryImageInput('seek.img.zst.age', file), {
      identities: [identity],
      onChunkOpened: (index) => opened.push(index),
    });
    const geometry = payloadGeometry(file.byteLength - prefix.byteLength);
    expect(geometry.ok && geometry.chunks).toBe(4 * BATCH_CHUNKS);
    opened.length = 0; // the last chunk, checked on open
    const position = 20 * CHUNK_SIZE + 100;
    const piece = await input.read(position, CHUNK_SIZE);
    expect(piece.equals(plain.subarray(position, position + CHUNK_SIZE))).toBe(true);
    expect(opened).toEqual([20, 21]);
    await input.close();
  });

  it('seals on while the header waits, up to its bound, and writes nothing before it', async () => {
    const plain = seededStream('age-batches', 'held')(HELD_BEFORE_HEADER + 16 * BATCH);
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    // The header as a passphrase's would come: later than the first batches.
    const inner = memorySink();
    const sink = encryptingSink(
      inner,
      { prefix: gate.then(() => start.prefix), key: start.key },
      pool,
    );
    const settledWithin = (promise: Promise<void>, ms: number) =>
      Promise.race([
        promise.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
      ]);
    let accepted = 0;
    let waiting: Promise<void> | null = null;
    while (accepted < plain.byteLength) {
      const write = sink.write(plain.subarray(accepted, accepted + BATCH));
      // A write that has room settles in milliseconds (a batch's copy, its seal on a
      // worker); two seconds leave room for a loaded machine.
      if (!(await settledWithin(write, 2000))) {
        waiting = write;
        break;
      }
      accepted += BATCH;
    }
    expect(inner.bytes().byteLength).toBe(0);
    // The sink's slots take the pool's depth plus two batches (the one filling among them):
    // the writes went on past them by the bound held aside, less a batch that did not fit ...
    const inSlots = (pool.depth + 2) * BATCH;
    expect(accepted).toBeGreaterThanOrEqual(inSlots + HELD_BEFORE_HEADER - BATCH);
    // ... and no further.
    expect(accepted).toBeLessThanOrEqual(inSlots + HELD_BEFORE_HEADER);
    expect(waiting).not.toBeNull();
    openGate();
    await waiting;
    accepted += BATCH;
    for (; accepted < plain.byteLength; accepted += BATCH) {
      await sink.write(plain.subarray(accepted, accepted + BATCH));
    }
    await sink.commit();
    expect(inner.bytes().equals(sealedOneByOne(plain))).toBe(true);
  });

  it('the sealed digest covers every whole chunk before it is asked for, whatever the batch; the file stays the same', async () => {
    const bytes = seededStream('age-batches', 'digest');
    // Where the manifest would start: inside a batch, at a chunk's edge, at a batch's edge,
    // inside the first chunk.
    for (const split of [BATCH + 3 * CHUNK_SIZE + 777, 2 * CHUNK_SIZE, BATCH, 100]) {
      const plain = bytes(split + 5000);
      const inner = memorySink();
      const sink = encryptingSink(inner, start, pool);
      for (let at = 0; at < split; at += 300_001) {
        await sink.write(plain.subarray(at, Math.min(at + 300_001, split)));
      }
      const record = await sink.sealedDigest();
      await sink.write(plain.subarray(split));
      await sink.commit();
      const file = inner.bytes();
      // Sealing a batch early changes no byte of the file.
      expect(file.equals(sealedOneByOne(plain)), `split ${split}`).toBe(true);
      const whole = Math.floor(split / CHUNK_SIZE);
      expect(record.chunks, `split ${split}`).toBe(whole);
      const payload = file.subarray(prefix.byteLength);
      expect(record.digest).toBe(
        blake3(payload.subarray(0, whole * SEALED_CHUNK_SIZE)).toString('hex'),
      );
      await expect(sink.sealedDigest()).rejects.toThrow(/once/);
    }
  });
});
