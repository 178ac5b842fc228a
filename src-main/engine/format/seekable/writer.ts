// Writes a Spillway image in the seekable layout (zstd-seekable.ts): header frame, the frames
// as they come, then the manifest frame and the seek table. zstd and LZ4 share it: both skip
// frames with the magic 0x184D2A5?, so `zstd -dc` and `lz4 -dc` both read straight through
// to the drive's bytes. Holds 12 bytes per frame in memory for the table.

import {
  withoutSealedDigest,
  type ImageHeader,
  type Manifest,
} from '../../../../src-shared/manifest.js';
import { StoredFramesDigest, frameXxh64 } from '../../digest/frame-digests.js';
import type { ImageSink } from '../../endpoints/image-sink.js';
import type { ImageWriter } from '../image-writer.js';
import {
  encodeSeekTable,
  HEADER_TAG,
  MANIFEST_TAG,
  spillwayFrame,
  XXH64_EMPTY_LOW32,
  type SeekEntry,
} from './zstd-seekable.js';

export class SeekableImageWriter implements ImageWriter {
  private readonly entries: SeekEntry[];

  /**
   * `entries` and `stored`: what the image already holds (its seek table entries and the
   * digest of its frames' bytes), when continuing an interrupted backup.
   */
  constructor(
    private readonly sink: ImageSink,
    entries: SeekEntry[] = [],
    private readonly stored = new StoredFramesDigest(),
  ) {
    this.entries = [...entries];
  }

  async start(header: ImageHeader): Promise<void> {
    await this.writeSpillwayFrame(spillwayFrame(HEADER_TAG, JSON.stringify(header)));
  }

  async addFrame(
    compressed: Uint8Array,
    size: number,
    checksum: number | null,
    storedXxh64?: bigint,
  ): Promise<void> {
    if (compressed.byteLength === 0 || checksum === null) {
      // Only uncompressed images have holes, and they keep their index in a sidecar.
      throw new Error('a seekable image needs every frame stored, with its checksum');
    }
    this.entries.push({ compressedSize: compressed.byteLength, decompressedSize: size, checksum });
    this.stored.add(storedXxh64 ?? frameXxh64(compressed));
    await this.sink.write(compressed);
  }

  async finish(manifest: Manifest): Promise<void> {
    // Into an encrypted image: the chunks before the manifest, as stored (sealed-digest.ts).
    const sealed = await this.sink.sealedDigest?.();
    const complete: Manifest = {
      ...withoutSealedDigest(manifest),
      storedFramesDigest: this.stored.hex(manifest),
      storedFrameXxh64: this.stored.list(),
      ...(sealed ? { sealedDigest: sealed } : {}),
    };
    await this.writeSpillwayFrame(spillwayFrame(MANIFEST_TAG, JSON.stringify(complete)));
    await this.sink.write(encodeSeekTable(this.entries));
  }

  async commit(): Promise<void> {}

  async abort(): Promise<void> {}

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
