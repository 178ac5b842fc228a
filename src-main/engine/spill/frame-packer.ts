// Spilled frames stored compressed (--spill-compress), so the spill's disk use shrinks for
// data that compresses. zstd at a fast negative level (lz4-class speed) through the same
// binding as the images: it compresses into a buffer we lend it, so nothing is allocated per
// frame. (The lz4 binding allocates a buffer per call, and its memory grows over a long run.)
// Frames that do not shrink by a tenth are stored as they are: compressing them again when
// read back would cost time for nothing.

import { createZstdFrameCodec } from '../codecs/zstd-frame.js';

/** zstd --fast=3: several hundred MB/s on one core. */
const FAST_LEVEL = -3;

export interface Packed {
  /** The bytes to store: compressed, or the frame itself. */
  bytes: Uint8Array;
  compressed: boolean;
  /** The codec's checksum of a compressed frame (checked when it is read back). */
  checksum: number | null;
}

export class FramePacker {
  private readonly codec = createZstdFrameCodec();
  private readonly scratch: Uint8Array;

  constructor(frameSize: number) {
    this.scratch = new Uint8Array(this.codec.bound(frameSize));
  }

  /** Valid until the next pack(): the caller writes it out first. */
  pack(frame: Uint8Array): Packed {
    const { length, checksum } = this.codec.compress(frame, FAST_LEVEL, this.scratch);
    if (length > frame.byteLength * 0.9) return { bytes: frame, compressed: false, checksum: null };
    return { bytes: this.scratch.subarray(0, length), compressed: true, checksum };
  }

  /** Decompresses a stored frame into `target`, which it must fill exactly. */
  unpack(stored: Uint8Array, target: Uint8Array, checksum: number | null): void {
    this.codec.decompress(stored, target, checksum);
  }
}
