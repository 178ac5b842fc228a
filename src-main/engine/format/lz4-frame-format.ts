// The LZ4 frame format (lz4 repository, doc/lz4_Frame_format.md), the parts Spillway reads:
// how much a frame can hold at most, from its descriptor and its block headers, before the
// decoder is trusted with it.

import { FrameCorruptError } from '../codecs/frame-codec.js';

export const LZ4_MAGIC = 0x184d2204;
const BLOCK_MAX: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

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
