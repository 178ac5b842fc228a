// Opens an image and says which layout it has (format/image-layout.ts): finds its bytes
// (endpoints/open-input.ts), looks at its first bytes (format/image-kind.ts), and hands it
// to the reader of its layout (format/seekable/reader.ts, format/sidecar/reader.ts).
// A structural problem the readers find becomes "damaged", naming the image.

import { basename } from 'node:path';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { isAgeFile, type AgeKeys } from '../endpoints/age/age-keys.js';
import { openAgeInput } from '../endpoints/age/input.js';
import type { ImageInput, SidecarText } from '../endpoints/image-input.js';
import { openInput } from '../endpoints/open-input.js';
import { partPath } from '../endpoints/split/part-names.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import { SpillwayError } from '../errors.js';
import { FormatError } from '../format-error.js';
import { imageKindOf } from '../format/image-kind.js';
import type { OpenedImage } from '../format/image-layout.js';
import type { CodecPool } from '../pool/codec-pool.js';
import { readHeader, readSeekableImage, readSeekTable } from '../format/seekable/reader.js';
import { readSidecarImage } from '../format/sidecar/reader.js';

const HEAD_BYTES = 64;

export interface OpenImageOptions {
  ssh?: SshOptions;
  /** What opens an encrypted (age) image. */
  age?: AgeKeys;
  /** The job's worker pool: an encrypted image opens its chunks there rather than on a pool
   *  of its own. It stays the caller's to close, after the image. */
  pool?: CodecPool;
}

/** Opens `path` as an image, or throws a SpillwayError saying why it is not one. */
export async function openImage(
  path: string,
  options: OpenImageOptions = {},
): Promise<OpenedImage> {
  const { input, sidecar } = await openInput(path, options.ssh ? { ssh: options.ssh } : {});
  return openImageFrom(input, sidecar, options.age, options.pool);
}

/**
 * Identifies an already opened input (a file, parts, a remote file, bytes in memory), with
 * the index file that was beside it, if any.
 */
export async function openImageFrom(
  input: ImageInput,
  sidecar: SidecarText | null = null,
  age?: AgeKeys,
  pool?: CodecPool,
): Promise<OpenedImage> {
  try {
    // An encrypted image is an age file around an ordinary one: what is inside is opened
    // through the decrypting input (endpoints/age/), and no index file beside it is read.
    if (input.size > 0 && isAgeFile(await input.read(0, Math.min(HEAD_BYTES, input.size)))) {
      const inner = await openAgeInput(input, age, pool);
      return { ...(await identify(inner, null)), encrypted: true };
    }
    return await identify(input, sidecar);
  } catch (error) {
    await input.close();
    if (error instanceof FormatError) {
      throw new SpillwayError('image-damaged', `${input.path} is damaged: ${error.message}.`, {
        facts: { image: input.path },
        remedy: 'use-another-copy',
      });
    }
    throw error;
  }
}

async function identify(input: ImageInput, sidecar: SidecarText | null): Promise<OpenedImage> {
  if (input.size === 0) {
    throw new SpillwayError('not-an-image', `${input.path} is empty.`);
  }
  const head = await input.read(0, Math.min(HEAD_BYTES, input.size));
  if (sidecar) return readSidecarImage(input, head, sidecar);
  // "disk.img.age": the name of what is inside says whether it is a plain image.
  const kind = imageKindOf(head, input.path.replace(/\.age$/i, ''));
  if (kind === null) {
    throw new SpillwayError(
      'not-an-image',
      `${input.path} is not a disk image Spillway knows (not zstd, gzip, xz or lz4).`,
      { facts: { image: input.path }, remedy: 'rename-plain-image' },
    );
  }
  if (kind === 'raw') return { layout: 'raw', input, payloadSize: input.size };
  const header = kind === 'zstd' ? await readHeader(input, head) : null;
  const seekable = kind === 'zstd' ? await readSeekTable(input) : null;
  if (header && CODEC_INFO[header.codec].index !== 'in-file') {
    throw new FormatError(
      `its header names ${header.codec}, which keeps its index beside the image`,
    );
  }
  if (seekable) return readSeekableImage(input, header, seekable);
  if (header) {
    const split = input.files.length > 0 && input.files[0] !== input.path;
    const missing = `${input.path} is an incomplete Spillway image: its end (index and manifest) is missing`;
    throw split
      ? new SpillwayError('image-incomplete', `${missing}.`, {
          facts: { image: input.path, part: basename(partPath(input.path, input.files.length)) },
          remedy: 'find-missing-part',
        })
      : new SpillwayError(
          'image-incomplete',
          `${missing}: the backup was interrupted or the file was cut short while copying.`,
          { facts: { image: input.path } },
        );
  }
  return { layout: 'stream', input, codec: kind };
}
