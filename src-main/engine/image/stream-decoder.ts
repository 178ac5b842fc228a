// Sequential decoding of images made by other tools (dd | zstd, gzip, xz) and of plain .img
// files: one pass from start to end, in blocks of a fixed size for writing and hashing. The
// codecs' own checksums (zstd's XXH64, gzip's CRC32, xz's CRC64) are checked as they decode.

import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createUnxz } from 'node-liblzma';
import { SpillwayError } from '../errors.js';
import { FormatError } from '../format/format-error.js';
import { readXzIndex } from '../format/xz-index.js';
import type { RawImage, StreamImage } from '../format/image-layout.js';
import { ZstdStreamDecoder } from './zstd-stream-decoder.js';

/** Uncompressed size, when the image says it before being decoded (raw, xz). */
export async function knownPayloadSize(image: StreamImage | RawImage): Promise<number | null> {
  if (image.layout === 'raw') return image.payloadSize;
  if (image.codec === 'xz') return (await xzIndexOf(image)).uncompressedSize;
  return null;
}

async function xzIndexOf(image: StreamImage) {
  try {
    return await readXzIndex(image.input.size, (position, length) =>
      image.input.read(position, length),
    );
  } catch (error) {
    if (error instanceof FormatError) {
      throw new SpillwayError(
        'image-truncated',
        `${image.input.path}: ${error.message}. The file was cut short while copying.`,
        { facts: { image: image.input.path }, remedy: 'use-another-copy' },
      );
    }
    throw error;
  }
}

function decoderFor(image: StreamImage): Transform {
  switch (image.codec) {
    case 'zstd':
      return new ZstdStreamDecoder();
    case 'gzip':
      return createGunzip();
    case 'xz':
      return createUnxz() as unknown as Transform; // its typings narrow on(); it is a Transform
    case 'lz4':
      throw new SpillwayError('not-an-image', 'lz4 images are not supported yet.');
  }
}

function decodeError(
  image: StreamImage | RawImage,
  decoded: number,
  error: unknown,
): SpillwayError {
  if (error instanceof SpillwayError) return error;
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

/**
 * The image's uncompressed bytes in blocks of exactly `blockSize` (the last may be shorter).
 * `onInput` reports compressed bytes consumed, for progress.
 */
export async function* decodeBlocks(
  image: StreamImage | RawImage,
  blockSize: number,
  onInput: (bytes: number) => void,
  signal: AbortSignal,
): AsyncGenerator<Buffer> {
  const expected = await knownPayloadSize(image);
  const input = image.input.stream();
  input.on('data', (chunk: Buffer) => onInput(chunk.byteLength));
  // The decoder's errors reach the loop below through its iterator, which throws them; the
  // listener only keeps one emitted after the loop has ended (a cancel) from ending the
  // process as an unhandled 'error' event.
  const decoded: Readable =
    image.layout === 'raw' ? input : input.pipe(decoderFor(image)).on('error', () => {});
  if (image.layout !== 'raw') input.on('error', (error) => decoded.destroy(error));

  let block = Buffer.allocUnsafeSlow(blockSize);
  let filled = 0;
  let total = 0;
  try {
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      signal.throwIfAborted();
      let at = 0;
      while (at < chunk.byteLength) {
        const take = Math.min(blockSize - filled, chunk.byteLength - at);
        chunk.copy(block, filled, at, at + take);
        filled += take;
        at += take;
        total += take;
        if (filled === blockSize) {
          yield block;
          block = Buffer.allocUnsafeSlow(blockSize);
          filled = 0;
        }
      }
    }
  } catch (error) {
    signal.throwIfAborted();
    throw decodeError(image, total, error);
  } finally {
    input.destroy();
    decoded.destroy();
  }
  if (expected !== null && total !== expected) {
    throw new SpillwayError(
      'image-truncated',
      `${image.input.path} decodes to ${total} bytes, but its index says ${expected}.`,
    );
  }
  if (filled > 0) yield block.subarray(0, filled);
}
