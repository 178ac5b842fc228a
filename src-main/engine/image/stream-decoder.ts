// Sequential decoding of images made by other tools (dd | zstd, gzip, xz) and of plain .img
// files: one pass from start to end, in blocks of a fixed size for writing and hashing. The
// codecs' own checksums (zstd's XXH64, gzip's CRC32, xz's CRC64) are checked as they decode.
// Multi-block xz files (xz -T0) read from local files are decoded several blocks at once on
// the worker pool instead (xz-blocks.ts), still handed out in order; a zstd file read from
// one local file, on a thread of its own (zstd-stream-thread.ts).

import type { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createUnxz } from 'node-liblzma';
import { settledLater } from '../async/settled-later.js';
import type { ImageInput } from '../endpoints/image-input.js';
import { SpillwayError } from '../errors.js';
import { FormatError } from '../format-error.js';
import { pageAlignedBuffer } from '../io/page-aligned.js';
import { readXzIndex, type XzIndex } from '../codecs/xz-index.js';
import type { RawImage, StreamImage } from '../format/image-layout.js';
import type { CodecPool } from '../pool/codec-pool.js';
import { decodeXzBlocks, planXzBlocks, XzBlockDamage } from './xz-blocks.js';
import { ZstdBlockDecoder } from './zstd-stream-decoder.js';
import { decodeZstdFileOnWorker } from './zstd-stream-thread.js';

/** Output buffers of zlib and liblzma: 16 KiB by default, many calls and small buffers; 256 KiB
 *  took the least CPU of 16 KiB, 256 KiB and 1 MiB for gzip here (docs/benchmarks.md). */
const TRANSFORM_CHUNK = 2 ** 18;

/** Uncompressed size, when the image says it before being decoded (raw, xz). */
export async function knownPayloadSize(image: StreamImage | RawImage): Promise<number | null> {
  if (image.layout === 'raw') return image.payloadSize;
  if (image.codec === 'xz') return (await xzIndexOf(image)).uncompressedSize;
  return null;
}

async function xzIndexOf(image: StreamImage): Promise<XzIndex> {
  try {
    return await readXzIndex(image.input.size, (position, length) =>
      image.input.read(position, length),
    );
  } catch (error) {
    if (error instanceof FormatError) {
      // A CRC that does not match is damage; anything else at the end, a file cut short.
      const damaged = /CRC32/.test(error.message);
      throw new SpillwayError(
        damaged ? 'image-damaged' : 'image-truncated',
        `${image.input.path}: ${error.message}.` +
          (damaged ? '' : ' The file was cut short while copying.'),
        { facts: { image: image.input.path }, remedy: 'use-another-copy' },
      );
    }
    throw error;
  }
}

function transformFor(image: StreamImage): Transform {
  switch (image.codec) {
    case 'gzip':
      return createGunzip({ chunkSize: TRANSFORM_CHUNK });
    case 'xz':
      return createUnxz({ chunkSize: TRANSFORM_CHUNK }) as unknown as Transform; // its typings narrow on(); it is a Transform
    case 'zstd':
    case 'lz4':
      throw new SpillwayError('not-an-image', `${image.codec} images are not decoded this way.`);
  }
}

function decodeError(
  image: StreamImage | RawImage,
  decoded: number,
  error: unknown,
): SpillwayError {
  if (error instanceof SpillwayError) return error;
  if (error instanceof XzBlockDamage) {
    return new SpillwayError('image-damaged', `${image.input.path} is damaged: ${error.message}.`, {
      facts: { image: image.input.path, decoded: error.decoded },
      remedy: 'use-another-copy',
    });
  }
  const message = (error as Error).message;
  const truncated = /end|truncat|premature|Z_BUF_ERROR/i.test(
    `${message} ${(error as NodeJS.ErrnoException).code ?? ''}`,
  );
  return new SpillwayError(
    truncated ? 'image-truncated' : 'image-damaged',
    truncated
      ? `${image.input.path} is cut short: decoding stopped after ${decoded} bytes.`
      : `${image.input.path} is damaged: decoding failed after ${decoded} bytes (${message}).`,
    { facts: { image: image.input.path, decoded }, remedy: 'use-another-copy' },
  );
}

/** `blocks` handed on as they come; a failure is worded for the image (decodeError). */
async function* withDecodeErrors(
  image: StreamImage | RawImage,
  blocks: AsyncIterable<Buffer>,
  signal: AbortSignal,
): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    for await (const block of blocks) {
      total += block.byteLength;
      yield block;
    }
  } catch (error) {
    signal.throwIfAborted();
    throw decodeError(image, total, error);
  }
}

/**
 * Reads of a local raw image, or a zstd one read through split parts, copied or decoded on
 * this thread (readInOrder). 1 MiB rather than
 * 256 KiB: four times fewer reads and decoder calls per byte. By hand on the 4 GiB fixture
 * (2026-12-07, 2 cores), a zstd image made by `zstd -T0` restored in 4.2-5.5 s instead of
 * 4.6-8.6 s, with less system time in every pair; 4 MiB gained nothing more.
 */
const READ_CHUNK = 2 ** 20;

/**
 * A local image's bytes from its start, read into two buffers in turn: the next chunk is read
 * while the caller decodes this one. A file stream allocates a new buffer per read instead,
 * and the first touch of its pages took 6% of a zstd restore's profile (page faults while
 * the kernel copied into it): reused buffers took a 1 GiB restore from 46,000 page faults to
 * 15,000 (perf stat, 2026-12-06). A chunk stays as yielded only until the next is asked for: for
 * callers that use each chunk up before that (the zstd decoder, the copy of a raw image).
 */
async function* readInOrder(
  input: ImageInput,
  onInput: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const buffers = [pageAlignedBuffer(READ_CHUNK), pageAlignedBuffer(READ_CHUNK)];
  const readAt = async (position: number, turn: number) => {
    const chunk = buffers[turn % 2]!.subarray(0, Math.min(READ_CHUNK, input.size - position));
    await input.readInto(chunk, position);
    return chunk;
  };
  let position = 0;
  let turn = 0;
  let next = input.size > 0 ? settledLater(readAt(0, turn)) : null;
  try {
    while (next) {
      const chunk = await next;
      position += chunk.byteLength;
      turn++;
      next = position < input.size ? settledLater(readAt(position, turn)) : null;
      onInput(chunk.byteLength);
      yield chunk;
    }
  } finally {
    // The read under way must end before its buffer is let go.
    await next?.catch(() => {});
  }
}

/** Blocks handed out in turn: a caller may hold RING - 1 of them while taking the next. */
const RING = 3;

class BlockRing {
  private blocks: Buffer[] = [];
  private turn = 0;
  constructor(private readonly size: number) {}
  next(): Buffer {
    const i = this.turn++ % RING;
    return (this.blocks[i] ??= Buffer.allocUnsafeSlow(this.size));
  }
}

/**
 * The image's uncompressed bytes in blocks of exactly `blockSize` (the last may be shorter),
 * or, for xz files decoded by block on `pool`, in their xz blocks.
 * A block is reused: it stays as yielded until two more blocks have been taken after it (so a
 * caller can write one while the next is decoded). `onInput` reports compressed bytes
 * consumed, for progress.
 */
export async function* decodeBlocks(
  image: StreamImage | RawImage,
  blockSize: number,
  onInput: (bytes: number) => void,
  signal: AbortSignal,
  pool?: CodecPool,
): AsyncGenerator<Buffer> {
  const xzIndex = image.layout === 'stream' && image.codec === 'xz' ? await xzIndexOf(image) : null;
  // Local files only: blocks are read by position, cheap there, not through ssh or age.
  const local = image.input.files.length > 0 && !image.encrypted;
  const plan = xzIndex && pool && local ? planXzBlocks(xzIndex, pool.size) : null;
  if (plan && 'blocks' in plan) {
    const blocks = decodeXzBlocks(image as StreamImage, plan, {
      pool: pool!,
      signal,
      onRead: onInput,
    });
    yield* withDecodeErrors(image, blocks, signal);
    return;
  }
  const isZstd = image.layout === 'stream' && image.codec === 'zstd';
  // One local file: decoded on a thread of its own while the caller writes on this one.
  if (isZstd && local && image.input.files.length === 1) {
    const blocks = decodeZstdFileOnWorker(
      image.input.files[0]!,
      image.input.size,
      blockSize,
      onInput,
      signal,
    );
    yield* withDecodeErrors(image, blocks, signal);
    return;
  }
  const expected = xzIndex ? xzIndex.uncompressedSize : await knownPayloadSize(image);
  const ring = new BlockRing(blockSize);
  const zstd = isZstd ? new ZstdBlockDecoder() : null;
  // zstd and raw images are decoded here, each chunk used up before the next is read: a local
  // one is read into reused buffers. gzip and xz go through a Transform, which may still hold
  // a chunk when the next is read: those get a stream's fresh buffers.
  let input: Readable | null = null;
  let decoded: Readable | null = null;
  let chunks: AsyncIterable<Buffer>;
  if (local && (zstd || image.layout === 'raw')) {
    chunks = readInOrder(image.input, onInput);
  } else {
    const stream = image.input.stream();
    input = stream;
    stream.on('data', (chunk: Buffer) => onInput(chunk.byteLength));
    // The decoder's errors reach the loop below through its iterator, which throws them; the
    // listener only keeps one emitted after the loop has ended (a cancel) from ending the
    // process as an unhandled 'error' event.
    decoded = stream;
    if (image.layout === 'stream' && !zstd) {
      const transform = stream.pipe(transformFor(image)).on('error', () => {});
      stream.on('error', (error) => transform.destroy(error));
      decoded = transform;
    }
    chunks = decoded as AsyncIterable<Buffer>;
  }
  const out = { block: ring.next(), filled: 0 };
  let total = 0;
  try {
    for await (const chunk of chunks) {
      signal.throwIfAborted();
      let at = 0;
      for (;;) {
        const before = out.filled;
        if (zstd) {
          at = zstd.decode(chunk, at, out);
        } else {
          const take = Math.min(blockSize - out.filled, chunk.byteLength - at);
          chunk.copy(out.block, out.filled, at, at + take);
          out.filled += take;
          at += take;
        }
        total += out.filled - before;
        const full = out.filled === blockSize;
        if (full) {
          yield out.block;
          out.block = ring.next();
          out.filled = 0;
        }
        // A full block may leave decoded bytes waiting inside the decoder: ask again.
        if (at < chunk.byteLength || (full && zstd)) continue;
        break;
      }
    }
    zstd?.end();
  } catch (error) {
    signal.throwIfAborted();
    throw decodeError(image, total, error);
  } finally {
    zstd?.close();
    input?.destroy();
    decoded?.destroy();
  }
  if (expected !== null && total !== expected) {
    throw new SpillwayError(
      'image-truncated',
      `${image.input.path} decodes to ${total} bytes, but its index says ${expected}.`,
    );
  }
  if (out.filled > 0) yield out.block.subarray(0, out.filled);
}
