// What an opened image is, in one of three layouts:
//
//   indexed  a Spillway image (zstd or LZ4 with the index inside: seekable/; gzip, xz or
//            uncompressed with it in <image>.spillway.json beside the image: sidecar/) or any
//            zstd seekable file: frames known, random access, parallel decompression,
//            per-frame checks
//   stream   a compressed stream made by another tool (dd | zstd, gzip, xz): one pass
//   raw      a plain copy of a drive (.img)
//
// and the checks both index readers apply before an index is believed.

import type { CodecName, ImageHeader, Manifest } from '../../../src-shared/manifest.js';
import type { ImageInput } from '../endpoints/image-input.js';
import { MAX_FRAME_SIZE } from './frame-size.js';
import { FormatError } from '../format-error.js';
import type { StreamCodec } from './image-kind.js';

export interface IndexedFrame {
  /** Its place in the image's `frames` (the header and manifest frames are not counted). */
  index: number;
  /** Where its compressed bytes are in the image file. */
  fileOffset: number;
  compressedSize: number;
  /** Where its bytes go on the drive. */
  driveOffset: number;
  size: number;
  /** The index's checksum of the frame, when it has one. */
  checksum: number | null;
}

interface Opened {
  input: ImageInput;
  /** An age file around the image; `input` is then the image inside it. */
  encrypted?: boolean;
}

export interface IndexedImage extends Opened {
  layout: 'indexed';
  codec: CodecName;
  frames: IndexedFrame[];
  /** Spillway images have both; a foreign seekable file has neither. */
  header: ImageHeader | null;
  manifest: Manifest | null;
  payloadSize: number;
}

export interface StreamImage extends Opened {
  layout: 'stream';
  codec: StreamCodec;
}

export interface RawImage extends Opened {
  layout: 'raw';
  payloadSize: number;
}

export type OpenedImage = IndexedImage | StreamImage | RawImage;

/** A compressed frame can be a little larger than its input, never this much. */
const MAX_COMPRESSED_FRAME = MAX_FRAME_SIZE + (MAX_FRAME_SIZE >> 7) + 4096;

/** Refuses a frame larger than any Spillway writes (an index could claim anything). */
export function checkFrameBounds(index: number, size: number, compressedSize: number): void {
  if (size > MAX_FRAME_SIZE || compressedSize > MAX_COMPRESSED_FRAME) {
    throw new FormatError(`frame ${index} is larger than any frame Spillway writes`);
  }
}

/** The manifest and the index must describe the same frames. */
export function checkManifestAgainstIndex(
  manifest: Manifest,
  frames: IndexedFrame[],
  size: number,
): void {
  if (manifest.size !== size || manifest.frameCount !== frames.length) {
    throw new FormatError('its manifest and its index disagree about its size');
  }
  frames.forEach((frame, i) => {
    const expected = Math.min(manifest.frameSize, size - i * manifest.frameSize);
    if (frame.size !== expected) {
      throw new FormatError(`frame ${i} does not have the size the manifest gives`);
    }
  });
}
