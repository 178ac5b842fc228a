// Writes a gzip, xz or uncompressed image: the frames back to back as the codec made them (a
// gzip member, an xz stream, or the bytes themselves; all-zero frames of an uncompressed
// image become holes), and header, manifest and frame index into the sidecar file beside it
// (src-shared/sidecar.ts). The sidecar is written as NAME.incomplete and takes its name only
// after the image has taken its own, so a finished-looking pair is always a complete one.

import { open, rename, unlink } from 'node:fs/promises';
import {
  withoutSealedDigest,
  type ImageHeader,
  type Manifest,
} from '../../../../src-shared/manifest.js';
import { StoredFramesDigest, frameXxh64, zeroFrameXxh64 } from '../../digest/frame-digests.js';
import {
  SIDECAR_FORMAT,
  SIDECAR_VERSION,
  sidecarPathOf,
  type Sidecar,
  type SidecarFrame,
} from '../../../../src-shared/sidecar.js';
import { INCOMPLETE_SUFFIX } from '../../endpoints/file/sink.js';
import type { ImageSink } from '../../endpoints/image-sink.js';
import type { ImageWriter } from '../image-writer.js';

export class SidecarImageWriter implements ImageWriter {
  private header: ImageHeader | null = null;
  private readonly frames: SidecarFrame[] = [];
  private readonly stored = new StoredFramesDigest();
  private written: string | null = null;

  /** `path`: the image's final name; null when the image goes to a stream (no sidecar). */
  constructor(
    private readonly sink: ImageSink,
    private readonly path: string | null,
  ) {}

  async start(header: ImageHeader): Promise<void> {
    this.header = header;
  }

  async addFrame(
    compressed: Uint8Array,
    size: number,
    checksum: number | null,
    storedXxh64?: bigint,
  ): Promise<void> {
    if (compressed.byteLength === 0) {
      await this.sink.skip(size);
      this.frames.push([size, size, checksum]);
      this.stored.add(zeroFrameXxh64(size));
    } else {
      await this.sink.write(compressed);
      this.frames.push([compressed.byteLength, size, checksum]);
      this.stored.add(storedXxh64 ?? frameXxh64(compressed));
    }
  }

  async finish(manifest: Manifest): Promise<void> {
    if (this.path === null) return;
    if (!this.header) throw new Error('finish() before start()');
    const sidecar: Sidecar = {
      format: SIDECAR_FORMAT,
      version: SIDECAR_VERSION,
      header: this.header,
      manifest: {
        // Never encrypted (backup/options.ts): a digest recorded by an encrypted source
        // (recompress) describes another file.
        ...withoutSealedDigest(manifest),
        storedFramesDigest: this.stored.hex(manifest),
        storedFrameXxh64: this.stored.list(),
      },
      imageBytes: this.sink.bytesWritten,
      frames: this.frames,
    };
    const partial = sidecarPathOf(this.path) + INCOMPLETE_SUFFIX;
    const handle = await open(partial, 'w');
    this.written = partial;
    try {
      await handle.writeFile(JSON.stringify(sidecar));
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async commit(): Promise<void> {
    if (this.path === null || this.written === null) return;
    // A sidecar left from an earlier image of the same name would describe other bytes.
    await rename(this.written, sidecarPathOf(this.path));
    this.written = null;
  }

  async abort(): Promise<void> {
    if (this.written === null) return;
    // Called on a failure already being reported; a NAME.incomplete sidecar that stays is
    // read by nothing, and the next backup of that name replaces it.
    await unlink(this.written).catch(() => {});
    this.written = null;
  }
}
