// Reads the index of a gzip, xz or uncompressed image from the sidecar file beside it
// (src-shared/sidecar.ts; writer.ts writes both), and checks the pair belongs together: the
// codec's first bytes, the image's size, the frames adding up to it, the manifest.

import { ZodError } from 'zod';
import { SidecarSchema, type Sidecar } from '../../../../src-shared/sidecar.js';
import { CODEC_INFO } from '../../codecs/codec-info.js';
import type { ImageInput, SidecarText } from '../../endpoints/image-input.js';
import { SpillwayError } from '../../errors.js';
import { imageKindOf } from '../image-kind.js';
import {
  checkFrameBounds,
  checkManifestAgainstIndex,
  type IndexedFrame,
  type IndexedImage,
} from '../image-layout.js';

/** The image `input` (`head`: its first bytes) as its sidecar `file` indexes it. */
export function readSidecarImage(input: ImageInput, head: Buffer, file: SidecarText): IndexedImage {
  let sidecar: Sidecar;
  try {
    sidecar = SidecarSchema.parse(JSON.parse(file.text));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof ZodError) {
      throw new SpillwayError('image-damaged', `${file.path} is damaged: it cannot be read.`, {
        facts: { index: file.path, image: input.path },
        remedy: 'remove-index-file',
      });
    }
    throw error;
  }
  const { header, manifest } = sidecar;
  const codec = header.codec;
  const mismatch = (what: string) =>
    new SpillwayError(
      'image-damaged',
      `${input.path} does not match ${file.path}: ${what}. ` +
        'The image or its index file was changed, cut short or swapped with another one.',
      { facts: { index: file.path, image: input.path }, remedy: 'use-another-copy' },
    );
  if (CODEC_INFO[codec].index !== 'sidecar' || manifest.codec.name !== codec) {
    throw mismatch(`the index file is not for a ${codec} image`);
  }
  // Uncompressed images may start with any bytes; the others with their codec's magic.
  if (codec !== 'none' && imageKindOf(head, '') !== codec) {
    throw mismatch(`the image is not ${codec} data`);
  }
  if (sidecar.imageBytes !== input.size) {
    throw mismatch(
      input.size < sidecar.imageBytes
        ? `${sidecar.imageBytes - input.size} bytes are missing at its end`
        : `it is ${input.size - sidecar.imageBytes} bytes longer than indexed`,
    );
  }
  const frames: IndexedFrame[] = [];
  let fileOffset = 0;
  let driveOffset = 0;
  for (const [compressedSize, size, checksum] of sidecar.frames) {
    checkFrameBounds(frames.length, size, compressedSize);
    frames.push({ index: frames.length, fileOffset, compressedSize, driveOffset, size, checksum });
    fileOffset += compressedSize;
    driveOffset += size;
  }
  if (fileOffset !== input.size) throw mismatch('its frames do not add up to its size');
  checkManifestAgainstIndex(manifest, frames, driveOffset);
  return { layout: 'indexed', input, codec, frames, header, manifest, payloadSize: driveOffset };
}
