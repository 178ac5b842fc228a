// An encrypted image read as the image inside it: an ImageInput over another ImageInput (a
// file, parts, a remote file) whose bytes are an age file. Chunk N of the payload lies at
// payloadStart + N · (64 KiB + 16), so a read decrypts only the chunks it covers; the last
// few are kept, since the image readers come back to the same small places (index, tail,
// filesystem metadata). Every chunk is authenticated before a byte of it is used: a changed
// byte is named by its range in the file, a file cut short is said to be.
//
// Reads of a few chunks (browsing, the index) open them here, on the calling thread. Larger
// ones (a restore's frames, a check's 16 MiB) are cut into batches of BATCH_CHUNKS, opened on
// worker threads side by side, so that decrypting keeps up with the disk and the decoders.
// Those are the job's own codec workers when it hands its pool over (a restore does, and
// starts it before the key is derived); otherwise the input starts chunk workers of its own.

import { Readable } from 'node:stream';
import { SpillwayError } from '../../errors.js';
import {
  checkReadRange,
  type ImageInput,
  type SealedChunks,
  type SealedRange,
} from '../image-input.js';
import type { AgeKeys } from './age-keys.js';
import type { OpenedAge } from './age-header.js';
import { openAgeHeader } from './age-header-on-demand.js';
import { SealedDigest } from './sealed-digest.js';
import { ReadAhead } from '../read-ahead.js';
import type { SealedDigestRecord } from '../../../../src-shared/manifest.js';
import { CodecPool, defaultThreads } from '../../pool/codec-pool.js';
import { SlotArena } from '../../pool/slot-arena.js';
import {
  BATCH_CHUNKS,
  CHUNK_SIZE,
  openChunk,
  payloadGeometry,
  SEALED_CHUNK_SIZE,
  TAG_SIZE,
} from '../../sealing/payload-chunks.js';

/** Decrypted chunks kept for reads that come back (8 × 64 KiB). */
const KEPT_CHUNKS = 8;
/** Chunks read from the file at once by a stream. */
const STREAM_CHUNKS = 16;
/** Chunks read at once to be hashed as stored (16 MiB and a bit). */
const DIGEST_PIECE_CHUNKS = 256;

/**
 * Opens the age file `outer` with `keys` as the image it holds. Large reads open their chunks
 * on `pool` when given (it stays the caller's to close), else on a pool of the input's own.
 */
export async function openAgeInput(
  outer: ImageInput,
  keys: AgeKeys = {},
  pool?: CodecPool,
): Promise<ImageInput> {
  const opened = await openAgeHeader(outer, keys);
  const input = new AgeInput(outer, opened, keys.onChunkOpened, pool);
  await input.checkLastChunk();
  return input;
}

class AgeInput implements ImageInput, SealedChunks {
  readonly path: string;
  /** Frames are read sealed and opened where they are decoded (frame-decoder.ts). */
  readonly sealedChunks: SealedChunks = this;
  /** Four chunks: a range that small shares a good part of its chunks with its neighbours. */
  readonly smallestSealedRead = 4 * CHUNK_SIZE;
  readonly files: string[];
  readonly size: number;
  private readonly chunks: number;
  private readonly kept = new Map<number, Buffer>();
  /** Set up by the first large read: the workers and the slots their batches go through. */
  private workers: { pool: CodecPool; sealed: SlotArena; plain: SlotArena } | null = null;

  constructor(
    private readonly outer: ImageInput,
    private readonly opened: OpenedAge,
    private readonly onChunkOpened?: (index: number) => void,
    /** The caller's pool, borrowed: never closed here. */
    private readonly borrowedPool?: CodecPool,
  ) {
    this.path = outer.path;
    this.files = outer.files;
    const geometry = payloadGeometry(outer.size - opened.payloadStart);
    if (!geometry.ok) {
      throw new SpillwayError(
        'image-truncated',
        `${outer.path} is cut short: the encrypted image ends inside its last chunk, at byte ${outer.size}.`,
        { remedy: 'image-cut-short' },
      );
    }
    this.chunks = geometry.chunks;
    this.size = geometry.plainSize;
  }

  /** The last chunk must authenticate as the last: otherwise the file was cut short
   *  (between two chunks), or its end was changed. Checked at once, before anything is
   *  written from the image. */
  async checkLastChunk(): Promise<void> {
    const last = this.chunks - 1;
    const sealed = await this.sealed(last, 1);
    const plain = Buffer.allocUnsafe(sealed.byteLength - TAG_SIZE);
    if (openChunk(this.opened.key, last, true, sealed, plain)) {
      this.onChunkOpened?.(last);
      this.keep(last, plain);
      return;
    }
    if (openChunk(this.opened.key, last, false, sealed, plain)) {
      throw new SpillwayError(
        'image-truncated',
        `${this.path} is cut short: the encrypted image stops after byte ${this.outer.size}, where more should follow.`,
        { remedy: 'image-cut-short' },
      );
    }
    // A chunk cut in two and a changed last chunk look the same: both are named.
    const start = this.opened.payloadStart + last * SEALED_CHUNK_SIZE;
    throw new SpillwayError(
      'image-truncated',
      `${this.path} is cut short, or its end was changed: its last bytes ${start}–` +
        `${this.outer.size - 1} (encrypted chunk ${last}) do not decrypt.`,
      { remedy: 'image-cut-short' },
    );
  }

  async read(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafeSlow(length);
    await this.readInto(buffer, position);
    return buffer;
  }

  async readInto(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this.path, this.size, position, target.byteLength);
    if (target.byteLength === 0) return;
    const first = Math.floor(position / CHUNK_SIZE);
    const last = Math.floor((position + target.byteLength - 1) / CHUNK_SIZE);
    // Chunks not kept are read from the file in one read (they are contiguous).
    let from = first;
    while (from <= last) {
      const kept = this.kept.get(from);
      if (kept) {
        this.copyOut(from, kept, target, position);
        from++;
        continue;
      }
      let to = from;
      while (to + 1 <= last && !this.kept.has(to + 1)) to++;
      if (to - from + 1 >= BATCH_CHUNKS) await this.openOnWorkers(from, to, target, position);
      else await this.openHere(from, to, target, position);
      from = to + 1;
    }
  }

  /** Opens chunks `from`…`to` on this thread, from one read. */
  private async openHere(from: number, to: number, target: Uint8Array, position: number) {
    const sealed = await this.sealed(from, to - from + 1);
    for (let index = from; index <= to; index++) {
      const at = (index - from) * SEALED_CHUNK_SIZE;
      const piece = sealed.subarray(at, Math.min(at + SEALED_CHUNK_SIZE, sealed.byteLength));
      const plain = this.open(index, piece);
      this.copyOut(index, plain, target, position);
    }
  }

  /** Opens chunks `from`…`to` in batches on the worker threads, all batches at once (as many
   *  as there are slots; the rest wait for one). */
  private async openOnWorkers(from: number, to: number, target: Uint8Array, position: number) {
    const batches: Array<Promise<void>> = [];
    for (let first = from; first <= to; first += BATCH_CHUNKS) {
      batches.push(this.openBatch(first, Math.min(first + BATCH_CHUNKS - 1, to), target, position));
    }
    const outcomes = await Promise.allSettled(batches);
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async openBatch(from: number, to: number, target: Uint8Array, position: number) {
    const { pool, sealed, plain } = this.startWorkers();
    // Both slots are taken together, sealed first, by every batch: none waits holding one.
    const input = await sealed.acquire();
    const output = await plain.acquire();
    try {
      const start = this.opened.payloadStart + from * SEALED_CHUNK_SIZE;
      const end = Math.min(
        this.opened.payloadStart + (to + 1) * SEALED_CHUNK_SIZE,
        this.outer.size,
      );
      const bytes = input.bytes(end - start);
      await this.outer.readInto(bytes, start);
      const plainLength = bytes.byteLength - (to - from + 1) * TAG_SIZE;
      const failed = await pool.open(
        this.opened.key,
        from,
        this.chunks - 1,
        input,
        bytes.byteLength,
        output,
        plainLength,
      );
      if (failed !== null) throw this.damaged(failed);
      const opened = output.bytes(plainLength);
      for (let index = from; index <= to; index++) this.onChunkOpened?.(index);
      const batchStart = from * CHUNK_SIZE;
      const want0 = Math.max(position, batchStart);
      const want1 = Math.min(position + target.byteLength, batchStart + plainLength);
      target.set(opened.subarray(want0 - batchStart, want1 - batchStart), want0 - position);
    } finally {
      sealed.release(input);
      plain.release(output);
    }
  }

  private startWorkers() {
    if (!this.workers) {
      const pool = this.borrowedPool ?? new CodecPool(defaultThreads(), 'age-chunks');
      const slots = pool.depth + 2;
      this.workers = {
        pool,
        sealed: new SlotArena(BATCH_CHUNKS * SEALED_CHUNK_SIZE, slots),
        plain: new SlotArena(BATCH_CHUNKS * CHUNK_SIZE, slots),
      };
    }
    return this.workers;
  }

  maxSealedBytes(length: number): number {
    // A range may start anywhere in a chunk: one chunk more than it fills.
    return (Math.ceil(length / CHUNK_SIZE) + 1) * SEALED_CHUNK_SIZE;
  }

  async readSealed(position: number, length: number, into: Uint8Array): Promise<SealedRange> {
    checkReadRange(this.path, this.size, position, length);
    const first = Math.floor(position / CHUNK_SIZE);
    const last = Math.floor((position + Math.max(length, 1) - 1) / CHUNK_SIZE);
    const start = this.opened.payloadStart + first * SEALED_CHUNK_SIZE;
    const end = Math.min(
      this.opened.payloadStart + (last + 1) * SEALED_CHUNK_SIZE,
      this.outer.size,
    );
    await this.outer.readInto(into.subarray(0, end - start), start);
    return {
      sealedLength: end - start,
      key: this.opened.key,
      firstChunk: first,
      lastChunk: this.chunks - 1,
      skip: position - first * CHUNK_SIZE,
      length,
    };
  }

  async digestStored(
    chunks: number,
    onRead: (bytes: number, plainEnd: number) => void,
    signal: AbortSignal,
  ): Promise<SealedDigestRecord> {
    // The last chunk never counts: it cannot lie before the manifest, which it ends.
    const count = Math.max(0, Math.min(chunks, this.chunks - 1));
    const start = this.opened.payloadStart;
    const end = start + count * SEALED_CHUNK_SIZE;
    const pieceBytes = DIGEST_PIECE_CHUNKS * SEALED_CHUNK_SIZE;
    const pieces = new ReadAhead(this.outer, end, () => {}, pieceBytes);
    const digest = new SealedDigest();
    for (let at = start; at < end;) {
      signal.throwIfAborted();
      const piece = await pieces.at(at);
      digest.add(piece.bytes);
      at = piece.end;
      onRead(piece.bytes.byteLength, ((at - start) / SEALED_CHUNK_SIZE) * CHUNK_SIZE);
    }
    return digest.result();
  }

  storedBytes(chunks: number): number {
    return chunks * SEALED_CHUNK_SIZE;
  }

  noteOpened(range: SealedRange): void {
    const count = Math.ceil(range.sealedLength / SEALED_CHUNK_SIZE);
    for (let i = 0; i < count; i++) this.onChunkOpened?.(range.firstChunk + i);
  }

  stream(start = 0): Readable {
    return Readable.from(this.pieces(start), { objectMode: false });
  }

  private async *pieces(start: number): AsyncGenerator<Buffer> {
    for (let at = start; at < this.size;) {
      const length = Math.min(STREAM_CHUNKS * CHUNK_SIZE - (at % CHUNK_SIZE), this.size - at);
      const bytes = Buffer.allocUnsafe(length);
      await this.readInto(bytes, at);
      yield bytes;
      at += length;
    }
  }

  async close(): Promise<void> {
    this.kept.clear();
    const workers = this.workers;
    this.workers = null;
    if (workers && workers.pool === this.borrowedPool) {
      // The pool goes on (or was closed by its owner): it only lets go of our slots.
      workers.pool.forget(workers.sealed);
      workers.pool.forget(workers.plain);
    } else {
      await workers?.pool.close();
    }
    return this.outer.close();
  }

  /** The sealed bytes of `count` chunks from chunk `first`, as stored. */
  private sealed(first: number, count: number): Promise<Buffer> {
    const start = this.opened.payloadStart + first * SEALED_CHUNK_SIZE;
    const end = Math.min(start + count * SEALED_CHUNK_SIZE, this.outer.size);
    return this.outer.read(start, end - start);
  }

  private open(index: number, sealed: Uint8Array): Buffer {
    const plain = Buffer.allocUnsafe(sealed.byteLength - TAG_SIZE);
    if (!openChunk(this.opened.key, index, index === this.chunks - 1, sealed, plain)) {
      throw this.damaged(index);
    }
    this.onChunkOpened?.(index);
    this.keep(index, plain);
    return plain;
  }

  private keep(index: number, plain: Buffer): void {
    this.kept.set(index, plain);
    if (this.kept.size > KEPT_CHUNKS) this.kept.delete(this.kept.keys().next().value!);
  }

  /** Copies the part of chunk `index` that the read at `position` wants into `target`. */
  private copyOut(index: number, plain: Buffer, target: Uint8Array, position: number): void {
    const chunkStart = index * CHUNK_SIZE;
    const from = Math.max(position, chunkStart);
    const to = Math.min(position + target.byteLength, chunkStart + plain.byteLength);
    target.set(plain.subarray(from - chunkStart, to - chunkStart), from - position);
  }

  damaged(index: number): SpillwayError {
    const start = this.opened.payloadStart + index * SEALED_CHUNK_SIZE;
    const end = Math.min(start + SEALED_CHUNK_SIZE, this.outer.size);
    const imageStart = index * CHUNK_SIZE;
    const imageEnd = Math.min(imageStart + CHUNK_SIZE, this.size);
    return new SpillwayError(
      'image-damaged',
      `${this.path} is damaged: its bytes ${start}–${end - 1} (encrypted chunk ${index}, ` +
        `bytes ${imageStart}–${imageEnd - 1} of the image inside) do not decrypt: they were ` +
        'changed, and none of them is used.',
      { remedy: 'use-another-copy' },
    );
  }
}
