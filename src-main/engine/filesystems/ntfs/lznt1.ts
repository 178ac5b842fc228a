// LZNT1, the compression of NTFS compressed files: each compression unit (16 clusters) that
// saves at least a cluster is stored as a sequence of chunks, each 4096 bytes of output.
//
// A chunk starts with a 16-bit little-endian header: bits 0-11 hold the chunk's stored size
// minus 3 (header included), bit 15 says whether it is compressed; 0 ends the sequence. An
// uncompressed chunk is its bytes. A compressed one is groups of a flag byte and 8 tokens:
// a clear bit is a literal byte, a set bit a 16-bit back-reference into the chunk's output
// so far, split into (offset - 1, length - 3) with as few offset bits as the position needs
// (4 bits within the first 16 bytes, up to 12), the rest for the length. Output a chunk does
// not write (a short chunk, the end marker, the end of the input) is zeros.

import { Distrust } from '../../read-at.js';

export const LZNT1_CHUNK = 4096;
const HEADER_SIZE_MASK = 0x0fff;
const HEADER_COMPRESSED = 0x8000;
const MIN_MATCH = 3;

/**
 * Decompresses `input` into the whole of `output` (the compression unit's size). Throws
 * Distrust for input that is not LZNT1 (a chunk or back-reference that points outside), and
 * never writes outside `output`.
 */
export function decompressLznt1(input: Uint8Array, output: Uint8Array): void {
  let inAt = 0;
  let chunkAt = 0;
  while (chunkAt < output.length && inAt + 2 <= input.length) {
    const header = input[inAt]! | (input[inAt + 1]! << 8);
    if (header === 0) break;
    const start = inAt + 2;
    const end = start + (header & HEADER_SIZE_MASK) + 1;
    if (end > input.length) {
      throw new Distrust(`LZNT1: chunk at byte ${inAt} runs past the compressed data`);
    }
    const chunkEnd = Math.min(chunkAt + LZNT1_CHUNK, output.length);
    const written =
      header & HEADER_COMPRESSED
        ? decompressChunk(input, start, end, output, chunkAt, chunkEnd)
        : copyChunk(input, start, end, output, chunkAt, chunkEnd);
    output.fill(0, written, chunkEnd);
    chunkAt = chunkEnd;
    inAt = end;
  }
  output.fill(0, chunkAt);
}

function copyChunk(
  input: Uint8Array,
  start: number,
  end: number,
  output: Uint8Array,
  at: number,
  limit: number,
): number {
  if (end - start > limit - at) throw new Distrust('LZNT1: stored chunk is larger than 4096 bytes');
  output.set(input.subarray(start, end), at);
  return at + end - start;
}

/** Decodes one compressed chunk into output[chunkStart, limit); returns where it ended. */
function decompressChunk(
  input: Uint8Array,
  start: number,
  end: number,
  output: Uint8Array,
  chunkStart: number,
  limit: number,
): number {
  let out = chunkStart;
  let at = start;
  while (at < end) {
    const flags = input[at++]!;
    for (let bit = 0; bit < 8 && at < end; bit++) {
      if ((flags & (1 << bit)) === 0) {
        if (out >= limit) throw new Distrust('LZNT1: chunk decompresses past 4096 bytes');
        output[out++] = input[at++]!;
        continue;
      }
      if (at + 2 > end) throw new Distrust('LZNT1: back-reference cut off at the chunk end');
      const token = input[at]! | (input[at + 1]! << 8);
      at += 2;
      const position = out - chunkStart;
      let offsetBits = 4;
      while (1 << offsetBits < position) offsetBits++;
      const lengthBits = 16 - offsetBits;
      const offset = (token >>> lengthBits) + 1;
      const length = (token & ((1 << lengthBits) - 1)) + MIN_MATCH;
      if (offset > position) throw new Distrust('LZNT1: back-reference points before the chunk');
      if (out + length > limit) throw new Distrust('LZNT1: chunk decompresses past 4096 bytes');
      if (offset >= length) {
        output.copyWithin(out, out - offset, out - offset + length);
        out += length;
      } else {
        // Overlapping: the copy repeats the bytes it has just written (a run).
        for (let i = 0; i < length; i++, out++) output[out] = output[out - offset]!;
      }
    }
  }
  return out;
}
