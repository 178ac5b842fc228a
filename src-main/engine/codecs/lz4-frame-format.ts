// The LZ4 frame format (lz4 repository, doc/lz4_Frame_format.md), the parts Spillway uses.
// Writing: the frame around blocks that a block compressor made (the layout Spillway's images
// have always had: independent blocks of up to 4 MiB, no block checksums, the XXH32 content
// checksum at the end). Reading: how much a frame can hold at most, from its descriptor and
// its block headers, before the decoder is trusted with it.

import { FrameCorruptError } from './frame-codec.js';

export const LZ4_MAGIC = 0x184d2204;
const BLOCK_MAX: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

/** FLG: version 01, independent blocks, content checksum; BD: blocks of up to 4 MiB. */
const WRITE_FLG = 0x64;
const WRITE_BD = 7 << 4;
/** The largest block Spillway writes (a 4 MiB frame of the drive is one block). */
export const LZ4_WRITE_BLOCK_MAX = BLOCK_MAX[7]!;
/** A block stored as it is, not compressed (the high bit of its size). */
const UNCOMPRESSED = 0x80000000;

/** Magic, descriptor and its checksum (second byte of XXH32 of the descriptor, seed 0). */
export function lz4FrameHeader(xxh32: (bytes: Uint8Array) => number): Uint8Array {
  const header = new Uint8Array(7);
  const view = new DataView(header.buffer);
  view.setUint32(0, LZ4_MAGIC, true);
  header[4] = WRITE_FLG;
  header[5] = WRITE_BD;
  header[6] = (xxh32(header.subarray(4, 6)) >>> 8) & 0xff;
  return header;
}

/**
 * Writes one block at `at` in `output`: its compressed form, or the bytes themselves when
 * compressing did not make them smaller (the format's stored block). Returns where it ends.
 */
export function writeLz4Block(
  output: Uint8Array,
  at: number,
  raw: Uint8Array,
  compressed: Uint8Array,
): number {
  const stored = compressed.byteLength >= raw.byteLength;
  const body = stored ? raw : compressed;
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength);
  view.setUint32(at, (body.byteLength | (stored ? UNCOMPRESSED : 0)) >>> 0, true);
  output.set(body, at + 4);
  return at + 4 + body.byteLength;
}

/** The end mark and the content checksum after the last block; returns the frame's end. */
export function writeLz4FrameEnd(output: Uint8Array, at: number, contentChecksum: number): number {
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength);
  view.setUint32(at, 0, true);
  view.setUint32(at + 4, contentChecksum >>> 0, true);
  return at + 8;
}

/** The most bytes this LZ4 frame can decompress to; throws when its structure is broken. */
export function lz4FrameOutputBound(frame: Uint8Array): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const need = (at: number, bytes: number) => {
    if (at + bytes > frame.byteLength) throw new FrameCorruptError('lz4: the frame is cut short');
  };
  need(0, 7);
  if (view.getUint32(0, true) !== LZ4_MAGIC) throw new FrameCorruptError('lz4: not an LZ4 frame');
  const flags = frame[4]!;
  if (flags >> 6 !== 1) throw new FrameCorruptError('lz4: unknown frame version');
  const blockChecksums = (flags & 0x10) !== 0;
  const contentSizeFlag = (flags & 0x08) !== 0;
  const blockMax = BLOCK_MAX[(frame[5]! >> 4) & 7];
  if (!blockMax) throw new FrameCorruptError('lz4: invalid block size');
  let at = 6;
  let contentSize: number | null = null;
  if (contentSizeFlag) {
    need(at, 8);
    contentSize = Number(view.getBigUint64(at, true));
    at += 8;
  }
  if (flags & 0x01) at += 4; // dictionary id
  at += 1; // header checksum
  let bound = 0;
  for (;;) {
    need(at, 4);
    const word = view.getUint32(at, true);
    at += 4;
    if (word === 0) break; // end mark
    const size = word & 0x7fffffff;
    if (size > blockMax)
      throw new FrameCorruptError('lz4: a block is larger than the frame allows');
    bound += word & 0x80000000 ? size : blockMax;
    at += size + (blockChecksums ? 4 : 0);
  }
  return contentSize !== null ? Math.min(contentSize, bound) : bound;
}
