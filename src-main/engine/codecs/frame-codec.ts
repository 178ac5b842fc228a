// One codec = how one frame (a few MiB of the drive) becomes one self-contained unit of a
// standard stream (a zstd frame, a gzip member, an xz stream, an LZ4 frame, or the bytes
// themselves) and back. Implementations are synchronous native calls: they run inside the
// worker pool's threads, one context per thread, reused from frame to frame, and write into
// buffers the caller lends them, so a long backup allocates nothing per frame.
//
// Each codec also owns its frame checksum: what the index records for the frame, taken when
// compressing and checked when decompressing (from the unit's own trailer where the format
// has one; zstd, LZ4 and gzip do).

import type { CodecName } from '../../../src-shared/manifest.js';

export interface Compressed {
  length: number;
  /** What the index records to check the frame by, or null when the codec has nothing. */
  checksum: number | null;
}

export interface FrameCodec {
  readonly name: CodecName;
  /** The most bytes compressing `size` bytes can produce. */
  bound(size: number): number;
  /**
   * Compresses one whole frame into `output` (at least bound(input) bytes). A length of 0
   * means "a hole": the frame is all zeros and the format stores nothing for it (none).
   */
  compress(input: Uint8Array, level: number, output: Uint8Array): Compressed;
  /**
   * Decompresses one unit into `output`, which it must fill exactly: the size comes from an
   * index, so memory stays bounded whatever the input claims. Throws FrameCorruptError on
   * corrupt input, a checksum that does not match, or a unit of another size.
   */
  decompress(input: Uint8Array, output: Uint8Array, checksum: number | null): void;
}

/** A frame that does not decode to what its index says: corrupt data, a checksum that does
 *  not match, the wrong size. Thrown in a worker; the pool throws it again on the caller's
 *  side (a class does not cross threads, its name and message do). */
export class FrameCorruptError extends Error {
  constructor(
    message: string,
    /** The XXH64 of the frame's bytes as stored, when they were hashed before decoding. */
    readonly storedXxh64?: bigint,
  ) {
    super(message);
    this.name = 'FrameCorruptError';
  }
}

/** Little-endian u32 at `offset` from the end (trailers). */
export function trailerU32(bytes: Uint8Array, fromEnd: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(bytes.byteLength - fromEnd, true);
}

export function checkSize(name: string, got: number, expected: number): void {
  if (got !== expected) {
    throw new FrameCorruptError(
      `${name}: the frame holds ${got} bytes, the index says ${expected}`,
    );
  }
}

export function checkChecksum(name: string, got: number, expected: number | null): void {
  if (expected !== null && got >>> 0 !== expected >>> 0) {
    throw new FrameCorruptError(`${name}: the checksum in the index does not match the frame`);
  }
}
