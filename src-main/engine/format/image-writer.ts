// Lays compressed frames out as one image format. The backup pipeline hands it frames in
// order, then the manifest; each format decides where its index and manifest go: inside the
// image (zstd, LZ4: seekable/writer.ts) or beside it (gzip, xz, none:
// sidecar/writer.ts).

import type { ImageHeader, Manifest } from '../../../src-shared/manifest.js';

export interface ImageWriter {
  /** Writes what comes before the first frame (the header, where the format has one). */
  start(header: ImageHeader): Promise<void>;
  /**
   * Appends the next frame: its compressed bytes, the uncompressed size, and the codec's
   * checksum of it. Zero compressed bytes mean a hole: `size` zero bytes stored as nothing.
   * `storedXxh64`: the XXH64 of `compressed` when the caller has it already (the codec
   * worker takes it); otherwise the writer computes it.
   */
  addFrame(
    compressed: Uint8Array,
    size: number,
    checksum: number | null,
    storedXxh64?: bigint,
  ): Promise<void>;
  /**
   * Writes index and manifest; the sink is committed by the caller afterwards. The manifest
   * written gains the storedFramesDigest of the frames as added (only the writer sees them).
   */
  finish(manifest: Manifest): Promise<void>;
  /** Once the image has its final name: files written beside it take theirs. */
  commit(): Promise<void>;
  /** After a failure: removes anything written beside the image. */
  abort(): Promise<void>;
}
