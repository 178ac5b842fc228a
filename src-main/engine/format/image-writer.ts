// Lays compressed frames out as one image format. The backup pipeline hands it frames in
// order, then the manifest; each format decides where its index and manifest go.

import type { ImageHeader, Manifest } from '../../../src-shared/manifest.js';

export interface ImageWriter {
  /** Writes what comes before the first frame (the header, where the format has one). */
  start(header: ImageHeader): Promise<void>;
  /** Appends frame `index` (compressed bytes) holding `size` uncompressed bytes. */
  addFrame(compressed: Uint8Array, size: number): Promise<void>;
  /** Writes index and manifest; the sink is committed by the caller afterwards. */
  finish(manifest: Manifest): Promise<void>;
}
