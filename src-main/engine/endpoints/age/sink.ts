// Where an encrypted image goes: an ImageSink over another (a file, parts, stdout, another
// machine) that writes an age file around what it is given. The header goes first; the
// bytes are gathered into batches of 64 KiB chunks, each batch sealed on a worker thread
// while the next fills; sealed batches go to the inner sink in order. A full batch waits
// until more bytes come, since only commit knows which chunk is the last (its nonce says so).
//
// As sealed batches go out they are hashed (sealed-digest.ts), until the image writer asks
// for the digest before it writes the manifest: the whole chunks filled by then go out at
// once, a batch shorter than the others, so that the digest covers every chunk before the
// manifest's and the manifest can record it.
//
// The batches are sealed on the job's own codec pool, the one that compresses the frames:
// a pool of its own would start as many threads again on the same cores (each with its own
// heap) for about 2 ms of cipher per batch. The pool is the job's: this sink never closes it.

import type { CodecPool } from '../../pool/codec-pool.js';
import { SlotArena, type Slot } from '../../pool/slot-arena.js';
import type { ImageSink } from '../image-sink.js';
import type { SealedStart } from './age-header.js';
import { BATCH_CHUNKS, CHUNK_SIZE, SEALED_CHUNK_SIZE } from '../../sealing/payload-chunks.js';
import type { SealedDigestRecord } from '../../../../src-shared/manifest.js';
import { SealedDigest } from './sealed-digest.js';

const BATCH_BYTES = BATCH_CHUNKS * CHUNK_SIZE;

/**
 * Sealed bytes kept in memory, at the most, while the header is not written yet (a
 * passphrase's scrypt takes about 0.7 s of a core at age's work factor, more when the
 * compressors share the cores). Without them the batches wait in their slots, the writer
 * for a slot and the compressors for the writer, while the reader spills to disk and only
 * scrypt uses a core: traced here, the first 96 MiB of the drive were compressed and the
 * pipeline then stood still for 1.3 s, 500 MB spilled. On a quiet machine the compressors
 * start about 0.4 s after scrypt (the block map, each worker's start-up), and one core
 * compresses about 60 MB/s of output (4 GiB at 5.7:1, 12 CPU s), so 32 MiB covers most of
 * the wait. It is a fixed bound whatever the drive's size, held only until the header is
 * out (at the time scrypt itself holds 256 MiB, 128 · r · N bytes); beyond it the batches
 * wait as before. Peak RSS measured +55 MiB with this bound and +106 MiB with 64 MiB (the
 * copies are freed by the GC some time after they are written), no faster in single runs.
 */
export const HELD_BEFORE_HEADER = 32 * 1024 * 1024;

/** The header is written once it is ready (a passphrase's scrypt may still be running): the
 *  batches sealed meanwhile wait for it, and the stages before them for those. `pool` seals
 *  the batches (the job's codec pool; it stays open for the job to close). */
export function encryptingSink(
  inner: ImageSink,
  start: SealedStart,
  pool: CodecPool,
): ImageSink & Required<Pick<ImageSink, 'sealedDigest'>> {
  return new EncryptingSink(inner, start, pool);
}

class EncryptingSink implements ImageSink {
  /** Batches being sealed, and the one filling: enough to keep every worker busy. */
  private readonly plain: SlotArena;
  private readonly sealed: SlotArena;
  private filling: Slot | null = null;
  private filled = 0;
  /** The number of the first chunk of the batch filling. */
  private index = 0;
  /** Sealed batches written to the inner sink, in order; the first failure stays. */
  private writing: Promise<void>;
  private failure: unknown = null;
  private readonly key: Buffer;
  /** Whether the header is written: until it is, sealed batches are copied aside (held). */
  private headerWritten = false;
  /** Sealed bytes copied aside and not written yet (at most HELD_BEFORE_HEADER). */
  private held = 0;
  /** Hashes the batches sent until sealedDigest is asked for; null after. */
  private digest: SealedDigest | null = new SealedDigest();

  constructor(
    private readonly inner: ImageSink,
    start: SealedStart,
    private readonly pool: CodecPool,
  ) {
    this.key = start.key;
    this.writing = start.prefix
      .then(async (prefix) => {
        await inner.write(prefix);
        this.headerWritten = true;
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      });
    const batches = pool.depth + 2;
    this.plain = new SlotArena(BATCH_BYTES, batches);
    this.sealed = new SlotArena(BATCH_CHUNKS * SEALED_CHUNK_SIZE, batches);
  }

  get name(): string {
    return this.inner.name;
  }

  /** Bytes of the age file written so far (header, nonce, sealed chunks). */
  get bytesWritten(): number {
    return this.inner.bytesWritten;
  }

  /** Resolves once the bytes are copied into a batch (it waits while every batch is being
   *  sealed or written: backpressure); they reach the inner sink by commit. */
  async write(bytes: Uint8Array): Promise<void> {
    this.throwIfFailed();
    let at = 0;
    while (at < bytes.byteLength) {
      if (this.filled === BATCH_BYTES) this.send(false);
      this.filling ??= await this.plain.acquire();
      const n = Math.min(BATCH_BYTES - this.filled, bytes.byteLength - at);
      this.filling.bytes().set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
    }
  }

  /**
   * The digest of every whole chunk written so far, once they are sealed and written: the
   * whole chunks of the batch filling go out now, its last few bytes stay to be followed.
   * Asked for once, before the manifest; the chunks after it are not hashed.
   */
  async sealedDigest(): Promise<SealedDigestRecord> {
    this.throwIfFailed();
    const digest = this.digest;
    if (!digest) throw new Error('the sealed digest is asked for once');
    const whole = this.filled - (this.filled % CHUNK_SIZE);
    if (whole > 0) {
      const rest = await this.plain.acquire();
      const filling = this.filling!;
      const left = this.filled - whole;
      rest.bytes().set(filling.bytes().subarray(whole, this.filled));
      this.filled = whole;
      this.send(false);
      this.filling = rest;
      this.filled = left;
    }
    this.digest = null;
    await this.settle();
    this.throwIfFailed();
    const record = digest.result();
    if (record.chunks !== this.index) throw new Error('the sealed digest missed a chunk');
    return record;
  }

  /** Zeros are encrypted like any bytes: an encrypted file has no holes. */
  async skip(length: number): Promise<void> {
    const zeros = Buffer.alloc(Math.min(length, 1024 * 1024));
    for (let left = length; left > 0; left -= zeros.byteLength) {
      await this.write(zeros.subarray(0, Math.min(left, zeros.byteLength)));
    }
  }

  async commit(): Promise<void> {
    this.throwIfFailed();
    // The batch filling holds the last chunk (empty only when the whole payload is).
    this.filling ??= await this.plain.acquire();
    this.send(true);
    await this.settle();
    this.throwIfFailed();
    this.forgetArenas();
    await this.inner.commit();
  }

  async abort(): Promise<void> {
    await this.settle();
    this.forgetArenas();
    return this.inner.abort();
  }

  async keepPartial(): Promise<string | null> {
    await this.settle();
    this.forgetArenas();
    return this.inner.keepPartial();
  }

  /** The pool outlives this sink (it is the job's): its workers let go of our batches. */
  private forgetArenas(): void {
    this.pool.forget(this.plain);
    this.pool.forget(this.sealed);
  }

  freeSpace(): Promise<number | null> {
    return this.inner.freeSpace();
  }

  /** Seals the batch filling on a worker and queues its bytes for the inner sink, in turn.
   *  Its slots come back once they are written: the plain slots bound the batches in flight
   *  (as many sealed slots as plain ones, so a batch never waits for one). */
  private send(endsPayload: boolean): void {
    const plain = this.filling!;
    const length = this.filled;
    const firstChunk = this.index;
    // The payload's last batch may end in a part of a chunk: the digest never reaches it.
    const digest = endsPayload ? null : this.digest;
    this.filling = null;
    this.filled = 0;
    // Whole chunks, but for the payload's last batch (after which nothing is numbered).
    this.index += Math.ceil(length / CHUNK_SIZE);
    const out = this.sealed.tryAcquire();
    if (!out) throw new Error('no slot left for a sealed batch');
    const sealing = this.pool.seal(this.key, firstChunk, endsPayload, plain, length, out);
    sealing.catch(() => {}); // awaited below, in turn
    let slotsHeld = true;
    const releaseSlots = () => {
      if (!slotsHeld) return;
      slotsHeld = false;
      this.plain.release(plain);
      this.sealed.release(out);
    };
    const before = this.writing;
    this.writing = (async () => {
      let held = 0;
      try {
        let bytes = await sealing;
        // Before the header, a copy waits for it instead of the slots (within the bound).
        if (!this.headerWritten && this.held + bytes.byteLength <= HELD_BEFORE_HEADER) {
          bytes = Buffer.from(bytes);
          held = bytes.byteLength;
          this.held += held;
          releaseSlots();
        }
        await before;
        if (this.failure === null) {
          digest?.add(bytes);
          await this.inner.write(bytes);
        }
      } catch (error) {
        this.failure ??= error;
      } finally {
        this.held -= held;
        await sealing.catch(() => {});
        releaseSlots();
      }
    })();
  }

  /** Waits until every batch sent is sealed and written, or has failed. */
  private settle(): Promise<void> {
    return this.writing;
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
