// One block of an xz file, made into an xz stream of its own so a stream decoder can decode it
// alone (node-liblzma exposes no raw block decoder): the stream header of the block's stream,
// the block as stored (its padding and check included), then a fresh index with that one
// block's record and a footer (xz file format 1.x, sections 2 and 4). The decoder then checks
// the block as xz does: its check (CRC64, CRC32 or SHA-256) and its sizes against the record,
// so a record of the file's index that does not describe its block is refused too.

import { crc32 } from 'node:zlib';
import { round4, type XzBlock } from './xz-index.js';

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
export const XZ_STREAM_HEADER_BYTES = 12;
/** Index (indicator, count, one record of two numbers of up to 9 bytes, padding, CRC32) and
 *  footer: never more than this. */
export const XZ_SINGLE_BLOCK_TAIL_MAX = 28 + 12;

function writeVarint(value: number, out: number[]): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

function putU32(bytes: Buffer, at: number, value: number): void {
  bytes.writeUInt32LE(value >>> 0, at);
}

/** The stream header that starts a stream with these flags. */
export function xzStreamHeader(streamFlags: number): Buffer {
  const header = Buffer.alloc(XZ_STREAM_HEADER_BYTES);
  header.set(MAGIC, 0);
  header.writeUInt16LE(streamFlags, 6);
  putU32(header, 8, crc32(header.subarray(6, 8)));
  return header;
}

/** What follows `block` (stored whole: round4(unpaddedSize) bytes) in a stream of its own. */
export function xzSingleBlockTail(block: XzBlock): Buffer {
  const fields = [0x00];
  writeVarint(1, fields);
  writeVarint(block.unpaddedSize, fields);
  writeVarint(block.uncompressedSize, fields);
  const indexBytes = round4(fields.length) + 4;
  const tail = Buffer.alloc(indexBytes + 12);
  tail.set(fields, 0);
  putU32(tail, indexBytes - 4, crc32(tail.subarray(0, indexBytes - 4)));
  const footer = tail.subarray(indexBytes);
  putU32(footer, 4, indexBytes / 4 - 1);
  footer.writeUInt16LE(block.streamFlags, 8);
  footer.set([0x59, 0x5a], 10);
  putU32(footer, 0, crc32(footer.subarray(4, 10)));
  return tail;
}

/** Bytes the block takes in the file. */
export const storedBlockBytes = (block: XzBlock) => round4(block.unpaddedSize);

/** Bytes of the block as a stream of its own. */
export const blockStreamBytes = (block: XzBlock) =>
  XZ_STREAM_HEADER_BYTES + storedBlockBytes(block) + xzSingleBlockTail(block).byteLength;
