// The index xz keeps at the end of every stream (xz file format 1.x, sections 2.1.2 and 4):
// read backwards from the end of the file, stream by stream. It tells the exact uncompressed
// size before decoding, and a file whose end is missing has no footer at all, so a truncated
// .xz is caught here (the decoder binding itself stops quietly at a truncated end).
// Where each block starts and ends also lets blocks be decoded apart, on several threads
// (image/xz-blocks.ts): so the header, footer and index are checked here as xz checks them
// (their CRC32s, the header's flags against the footer's), since that decoder never sees them.

import { crc32 } from 'node:zlib';
import { FormatError } from '../format-error.js';

export interface XzBlock {
  /** Where the block starts in the file, its size there (unpadded), and its bytes. */
  fileOffset: number;
  unpaddedSize: number;
  uncompressedSize: number;
  /** Its stream's flags (two bytes, little-endian; the second names the check). */
  streamFlags: number;
}

export interface XzIndex {
  uncompressedSize: number;
  /** Every block of every stream, in file order. */
  blocks: XzBlock[];
}

const HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const STREAM_HEADER_BYTES = 12;
const STREAM_FOOTER_BYTES = 12;
/** No sane file has an index this large (it would describe millions of blocks). */
const MAX_INDEX_BYTES = 256 * 2 ** 20;

export const round4 = (n: number) => Math.ceil(n / 4) * 4;

const u32 = (bytes: Uint8Array, at: number) =>
  new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);

/** Reads one xz varint (at most 9 bytes, 63 bits) at `at`; returns [value, next offset]. */
export function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new FormatError('its xz index ends in the middle of a number');
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (i > 0 && byte === 0) throw new FormatError('its xz index has a malformed number');
      if (!Number.isSafeInteger(value)) throw new FormatError('its xz index has a huge number');
      return [value, at + i + 1];
    }
  }
  throw new FormatError('its xz index has a number longer than 9 bytes');
}

/** Parses one stream's index field (indicator to CRC32); returns its records. */
export function parseIndexField(index: Uint8Array): Array<[unpadded: number, size: number]> {
  if (index[0] !== 0x00) throw new FormatError('its xz index is not where the footer says');
  let [count, at] = readVarint(index, 1);
  // Each record needs at least two bytes: reject counts the field cannot hold before looping.
  if (count * 2 > index.byteLength) throw new FormatError('its xz index claims too many blocks');
  const records: Array<[number, number]> = [];
  for (; count > 0; count--) {
    let unpadded: number;
    let size: number;
    [unpadded, at] = readVarint(index, at);
    [size, at] = readVarint(index, at);
    if (unpadded < 5) throw new FormatError('its xz index has an impossible block size');
    records.push([unpadded, size]);
  }
  if (round4(at) + 4 !== index.byteLength) {
    throw new FormatError('its xz index has the wrong length');
  }
  if (crc32(index.subarray(0, index.byteLength - 4)) !== u32(index, index.byteLength - 4)) {
    throw new FormatError('its xz index is damaged (its CRC32 does not match)');
  }
  return records;
}

/** A read the parser needs: `length` bytes at `position`. */
type ReadRequest = [position: number, length: number];

/** Stream padding is read back in chunks of this size, up to this much. */
const PADDING_CHUNK = 64 * 1024;
const MAX_PADDING = 64 * 2 ** 20;

/**
 * Stream padding: zero bytes, in groups of four, between and after streams. Returns where the
 * stream before it ends. Read in chunks, and bounded: a file whose end is gigabytes of zeros
 * (allocated, never written) took a read per four bytes (found by fuzzing: 2^30 reads).
 */
function* skipPadding(end: number): Generator<ReadRequest, number, Uint8Array> {
  const start = end;
  while (end >= 4) {
    if (start - end >= MAX_PADDING) {
      throw new FormatError('the file ends in zeros, not in an xz stream (damaged?)');
    }
    const take = Math.min(PADDING_CHUNK, end - (end % 4));
    const bytes = yield [end - take, take];
    let kept = take;
    while (
      kept >= 4 &&
      bytes[kept - 1] === 0 &&
      bytes[kept - 2] === 0 &&
      bytes[kept - 3] === 0 &&
      bytes[kept - 4] === 0
    ) {
      kept -= 4;
    }
    end -= take - kept;
    if (kept > 0) break;
  }
  return end;
}

/**
 * The parser, as a generator that yields the reads it needs and receives their bytes: the
 * same code reads a file (asynchronously) and a frame in memory (synchronously).
 */
function* xzIndexSteps(size: number): Generator<ReadRequest, XzIndex, Uint8Array> {
  let blocks: XzBlock[] = [];
  let total = 0;
  let end = size;
  while (end > 0) {
    end = yield* skipPadding(end);
    if (end < STREAM_HEADER_BYTES + STREAM_FOOTER_BYTES) {
      throw new FormatError('the file ends before its xz stream does (truncated?)');
    }
    const footer = yield [end - STREAM_FOOTER_BYTES, STREAM_FOOTER_BYTES];
    if (footer[10] !== 0x59 || footer[11] !== 0x5a) {
      throw new FormatError('the file ends before its xz stream does (truncated?)');
    }
    if (crc32(footer.subarray(4, 10)) !== u32(footer, 0)) {
      throw new FormatError('its xz stream footer is damaged (its CRC32 does not match)');
    }
    const streamFlags = footer[8]! | (footer[9]! << 8);
    const indexBytes = (u32(footer, 4) + 1) * 4;
    const indexStart = end - STREAM_FOOTER_BYTES - indexBytes;
    if (indexBytes > MAX_INDEX_BYTES || indexStart < STREAM_HEADER_BYTES) {
      throw new FormatError('its xz footer points outside the file');
    }
    const records = parseIndexField(yield [indexStart, indexBytes]);
    const blockBytes = records.reduce((sum, [unpadded]) => sum + round4(unpadded), 0);
    const streamStart = indexStart - blockBytes - STREAM_HEADER_BYTES;
    if (streamStart < 0) throw new FormatError('its xz index describes more than the file holds');
    const header = yield [streamStart, STREAM_HEADER_BYTES];
    if (!HEADER_MAGIC.every((b, i) => header[i] === b)) {
      throw new FormatError('its xz index does not match the stream it ends');
    }
    if (header[6] !== footer[8] || header[7] !== footer[9]) {
      throw new FormatError('its xz stream header and footer disagree');
    }
    if (crc32(header.subarray(6, 8)) !== u32(header, 8)) {
      throw new FormatError('its xz stream header is damaged (its CRC32 does not match)');
    }
    let at = streamStart + STREAM_HEADER_BYTES;
    const streamBlocks = records.map(([unpaddedSize, uncompressedSize]) => {
      const block = { fileOffset: at, unpaddedSize, uncompressedSize, streamFlags };
      at += round4(unpaddedSize);
      total += uncompressedSize;
      return block;
    });
    blocks = streamBlocks.concat(blocks);
    end = streamStart;
  }
  if (!Number.isSafeInteger(total)) throw new FormatError('its xz index adds up to too much');
  return { uncompressedSize: total, blocks };
}

/** The index of an xz file, read piece by piece from the end. */
export async function readXzIndex(
  size: number,
  read: (position: number, length: number) => Promise<Uint8Array>,
): Promise<XzIndex> {
  const steps = xzIndexSteps(size);
  let step = steps.next();
  while (!step.done) step = steps.next(await read(...step.value));
  return step.value;
}

/** The index of xz data already in memory (one frame of an image). */
export function readXzIndexSync(bytes: Uint8Array): XzIndex {
  const steps = xzIndexSteps(bytes.byteLength);
  let step = steps.next();
  while (!step.done) {
    const [position, length] = step.value;
    step = steps.next(bytes.subarray(position, position + length));
  }
  return step.value;
}
