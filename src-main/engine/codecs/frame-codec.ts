// One codec = how one frame (a few MiB of the drive) becomes bytes of the image and back.
// Implementations are synchronous native calls: they run inside the worker pool's threads,
// one context per thread, reused from frame to frame. They write into buffers the caller
// lends them, so a long backup allocates nothing per frame (allocation churn of multi-MiB
// buffers is what makes V8 collect garbage over and over).

import type { CodecName } from '../../../src-shared/manifest.js';

export interface FrameCodec {
  readonly name: CodecName;
  /** The most bytes compressing `size` bytes can produce. */
  bound(size: number): number;
  /** Compresses one whole frame into `output` (at least bound(input) bytes); returns the length. */
  compress(input: Uint8Array, level: number, output: Uint8Array): number;
  /**
   * Decompresses one unit into `output`, which it must fill exactly: its size comes from an
   * index, so memory stays bounded whatever the input claims. Throws FrameCorruptError on
   * corrupt input, a failed checksum, or a unit holding more or fewer bytes.
   */
  decompress(input: Uint8Array, output: Uint8Array): void;
}

export class FrameCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameCorruptError';
  }
}
