// Writes a Spillway zstd image: the frames as they come, then the manifest frame and the seek
// table (zstd-seekable.ts). Holds 12 bytes per frame in memory for the table.

import type { ImageHeader, Manifest } from '../../../src-shared/manifest.js';
import { zstdFrameChecksum } from '../codecs/zstd-frame.js';
import type { ImageSink } from '../sink/image-sink.js';
import type { ImageWriter } from './image-writer.js';
import {
  encodeSeekTable,
  HEADER_TAG,
  MANIFEST_TAG,
  spillwayFrame,
  XXH64_EMPTY_LOW32,
  type SeekEntry,
} from './zstd-seekable.js';

export class ZstdImageWriter implements ImageWriter {
  private readonly entries: SeekEntry[];

  /** `entries`: what the image already holds, when continuing an interrupted backup. */
  constructor(
    private readonly sink: ImageSink,
    entries: SeekEntry[] = [],
  ) {
    this.entries = [...entries];
  }

  async start(header: ImageHeader): Promise<void> {
    await this.writeSpillwayFrame(spillwayFrame(HEADER_TAG, JSON.stringify(header)));
  }

  async addFrame(compressed: Uint8Array, size: number): Promise<void> {
    this.entries.push({
      compressedSize: compressed.byteLength,
      decompressedSize: size,
      checksum: zstdFrameChecksum(compressed),
    });
    await this.sink.write(compressed);
  }

  async finish(manifest: Manifest): Promise<void> {
    await this.writeSpillwayFrame(spillwayFrame(MANIFEST_TAG, JSON.stringify(manifest)));
    await this.sink.write(encodeSeekTable(this.entries));
  }

  private async writeSpillwayFrame(frame: Buffer): Promise<void> {
    // Skippable frames hold no data: decompressed size 0, the checksum of no bytes.
    this.entries.push({
      compressedSize: frame.byteLength,
      decompressedSize: 0,
      checksum: XXH64_EMPTY_LOW32,
    });
    await this.sink.write(frame);
  }
}
