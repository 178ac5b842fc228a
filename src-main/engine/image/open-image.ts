// Opens an image and says what it is:
//
//   indexed  a Spillway image (zstd or LZ4 with the index inside; gzip, xz or uncompressed
//            with it in <image>.spillway.json beside the image) or any zstd seekable file:
//            frames known, random access, parallel decompression, per-frame checks
//   stream   a compressed stream made by another tool (dd | zstd, gzip, xz): one pass
//   raw      a plain copy of a drive (.img)
//
// Everything read from the file is checked before it is used: counts against the file's size,
// sizes against fixed limits, the manifest against its schema and against the seek table.

import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ZodError } from 'zod';
import {
  ImageHeaderSchema,
  ManifestSchema,
  MAX_MANIFEST_BYTES,
  type CodecName,
  type ImageHeader,
  type Manifest,
} from '../../../src-shared/manifest.js';
import {
  MAX_SIDECAR_BYTES,
  sidecarPathOf,
  SidecarSchema,
  type Sidecar,
} from '../../../src-shared/sidecar.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { SpillwayError } from '../errors.js';
import { FormatError } from '../format/format-error.js';
import { imageKindOf, type StreamCodec } from '../format/image-kind.js';
import {
  parseSeekFooter,
  parseSeekTable,
  SEEK_FOOTER_BYTES,
  SPILLWAY_FRAME_PREFIX_BYTES,
  spillwayFrameJson,
  spillwayFramePrefix,
  type SeekEntry,
} from '../format/seekable/zstd-seekable.js';
import { MAX_FRAME_SIZE } from '../frames/frame.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import { isSshUrl, parseSshUrl } from '../endpoints/ssh/url.js';
import { openSplitInput } from '../endpoints/split/input.js';
import { parsePartPath, partPath } from '../endpoints/split/part-names.js';
import { openImageFile, type ImageInput } from '../endpoints/image-input.js';

export interface IndexedFrame {
  /** Its place in the image's `frames` (the header and manifest frames are not counted). */
  index: number;
  /** Where its compressed bytes are in the image file. */
  fileOffset: number;
  compressedSize: number;
  /** Where its bytes go on the drive. */
  driveOffset: number;
  size: number;
  /** The seek table's checksum of the frame, when it has one. */
  checksum: number | null;
}

interface Opened {
  input: ImageInput;
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
const HEAD_BYTES = 64;

function damaged(input: ImageInput, message: string): SpillwayError {
  return new SpillwayError('image-damaged', `${input.path} is damaged: ${message}.`, {
    hint: 'Use another copy of the image if you have one.',
  });
}

/** Opens `path` as an image, or throws a SpillwayError saying why it is not one. */
export async function openImage(
  path: string,
  options: { ssh?: SshOptions } = {},
): Promise<OpenedImage> {
  if (isSshUrl(path)) {
    // The SSH library loads only for ssh:// images: every other job starts faster.
    const { openSshImage } = await import('../endpoints/ssh/input.js');
    const remote = await openSshImage(parseSshUrl(path), options.ssh ?? {});
    return openImageFrom(remote.input, remote.sidecar);
  }
  const input = (await openSplitImage(path)) ?? (await openImageFile(path));
  let sidecar: SidecarText | null;
  try {
    sidecar = await readSidecarText(input.path);
  } catch (error) {
    await input.close();
    throw error;
  }
  return openImageFrom(input, sidecar);
}

/**
 * A split image, named by any of its parts ("disk.img.zst.000") or by the name the parts
 * share ("disk.img.zst", when no such file exists); null when `path` is not one.
 */
async function openSplitImage(path: string): Promise<ImageInput | null> {
  const part = parsePartPath(path);
  if (part) return openSplitInput(part.image);
  if (await stat(path).catch(() => null)) return null;
  return openSplitInput(path);
}

/** The sidecar file's text and name, when there is one beside the image. */
export interface SidecarText {
  path: string;
  text: string;
}

async function readSidecarText(imagePath: string): Promise<SidecarText | null> {
  const path = sidecarPathOf(imagePath);
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return null;
  if (st.size > MAX_SIDECAR_BYTES) {
    throw new SpillwayError('image-damaged', `${path} is too large to be Spillway's index file.`);
  }
  return { path, text: await readFile(path, 'utf8') };
}

/**
 * Identifies an already opened input (a file, parts, a remote file, bytes in memory), with
 * the index file that was beside it, if any.
 */
export async function openImageFrom(
  input: ImageInput,
  sidecar: SidecarText | null = null,
): Promise<OpenedImage> {
  try {
    return await identify(input, sidecar);
  } catch (error) {
    await input.close();
    if (error instanceof FormatError) throw damaged(input, error.message);
    throw error;
  }
}

async function identify(input: ImageInput, sidecar: SidecarText | null): Promise<OpenedImage> {
  if (input.size === 0) {
    throw new SpillwayError('not-an-image', `${input.path} is empty.`);
  }
  const head = await input.read(0, Math.min(HEAD_BYTES, input.size));
  if (sidecar) return indexedBySidecar(input, head, sidecar);
  const kind = imageKindOf(head, input.path);
  if (kind === null) {
    throw new SpillwayError(
      'not-an-image',
      `${input.path} is not a disk image Spillway knows (not zstd, gzip, xz or lz4).`,
      { hint: 'Plain, uncompressed images must be named *.img.' },
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
  if (seekable) return indexed(input, header, seekable);
  if (header) {
    const split = input.files.length > 0 && input.files[0] !== input.path;
    throw new SpillwayError(
      'image-incomplete',
      `${input.path} is an incomplete Spillway image: its end (index and manifest) is missing.`,
      {
        hint: split
          ? `Its last part may be missing: is there a ${basename(partPath(input.path, input.files.length))}?`
          : 'The backup was interrupted or the file was cut short while copying.',
      },
    );
  }
  return { layout: 'stream', input, codec: kind };
}

async function readHeader(input: ImageInput, head: Buffer): Promise<ImageHeader | null> {
  const prefix = spillwayFramePrefix(head.subarray(0, SPILLWAY_FRAME_PREFIX_BYTES));
  if (!prefix || prefix.tag !== 'SPWH') return null;
  if (prefix.frameBytes > 64 * 1024 || prefix.frameBytes > input.size) {
    throw new FormatError('its header frame is too large');
  }
  return parseJson(ImageHeaderSchema, spillwayFrameJson(await input.read(0, prefix.frameBytes)));
}

async function readSeekTable(input: ImageInput): Promise<SeekEntry[] | null> {
  if (input.size < SEEK_FOOTER_BYTES) return null;
  const footer = parseSeekFooter(
    await input.read(input.size - SEEK_FOOTER_BYTES, SEEK_FOOTER_BYTES),
    input.size,
  );
  if (!footer) return null;
  const table = await input.read(input.size - footer.tableBytes, footer.tableBytes);
  const entries = parseSeekTable(table, footer);
  const covered = entries.reduce((sum, e) => sum + e.compressedSize, 0);
  if (covered !== input.size - footer.tableBytes) {
    throw new FormatError(
      covered > input.size - footer.tableBytes
        ? 'its index points past the end of the file (bytes are missing)'
        : 'its index does not cover the whole file (bytes were added or removed)',
    );
  }
  return entries;
}

async function indexed(
  input: ImageInput,
  header: ImageHeader | null,
  entries: SeekEntry[],
): Promise<IndexedImage> {
  const frames: IndexedFrame[] = [];
  let fileOffset = 0;
  let driveOffset = 0;
  let manifest: Manifest | null = null;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.decompressedSize > MAX_FRAME_SIZE || entry.compressedSize > MAX_COMPRESSED_FRAME) {
      throw new FormatError(`frame ${i} is larger than any frame Spillway writes`);
    }
    if (entry.decompressedSize > 0) {
      frames.push({
        index: frames.length,
        fileOffset,
        compressedSize: entry.compressedSize,
        driveOffset,
        size: entry.decompressedSize,
        checksum: entry.checksum,
      });
      driveOffset += entry.decompressedSize;
    } else if (i === entries.length - 1 && header) {
      manifest = await readManifest(input, fileOffset, entry.compressedSize);
    }
    fileOffset += entry.compressedSize;
  }
  if (header && !manifest) throw new FormatError('its manifest is missing');
  if (manifest) checkManifestAgainstIndex(manifest, frames, driveOffset);
  return {
    layout: 'indexed',
    input,
    // A Spillway LZ4 image starts with the same skippable header frame as a zstd one.
    codec: header?.codec ?? 'zstd',
    frames,
    header,
    manifest,
    payloadSize: driveOffset,
  };
}

/** First bytes each codec's units start with (none: any bytes at all). */
const MAGIC: Record<CodecName, number[]> = {
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
  lz4: [0x04, 0x22, 0x4d, 0x18],
  gzip: [0x1f, 0x8b],
  xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  none: [],
};

/** A gzip, xz or uncompressed image whose header, manifest and index are in its sidecar. */
function indexedBySidecar(input: ImageInput, head: Buffer, file: SidecarText): IndexedImage {
  let sidecar: Sidecar;
  try {
    sidecar = SidecarSchema.parse(JSON.parse(file.text));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof ZodError) {
      throw new SpillwayError('image-damaged', `${file.path} is damaged: it cannot be read.`, {
        hint: `Move it away to restore ${input.path} without it, in one pass and unchecked.`,
      });
    }
    throw error;
  }
  const { header, manifest } = sidecar;
  const codec = header.codec;
  const mismatch = (what: string) =>
    new SpillwayError('image-damaged', `${input.path} does not match ${file.path}: ${what}.`, {
      hint: 'The image or its index file was changed, cut short or swapped with another one.',
    });
  if (CODEC_INFO[codec].index !== 'sidecar' || manifest.codec.name !== codec) {
    throw mismatch(`the index file is not for a ${codec} image`);
  }
  if (head.byteLength < MAGIC[codec].length || MAGIC[codec].some((b, i) => head[i] !== b)) {
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
    if (size > MAX_FRAME_SIZE || compressedSize > MAX_COMPRESSED_FRAME) {
      throw new FormatError(`frame ${frames.length} is larger than any frame Spillway writes`);
    }
    frames.push({ index: frames.length, fileOffset, compressedSize, driveOffset, size, checksum });
    fileOffset += compressedSize;
    driveOffset += size;
  }
  if (fileOffset !== input.size) throw mismatch('its frames do not add up to its size');
  checkManifestAgainstIndex(manifest, frames, driveOffset);
  return { layout: 'indexed', input, codec, frames, header, manifest, payloadSize: driveOffset };
}

async function readManifest(input: ImageInput, at: number, bytes: number): Promise<Manifest> {
  if (bytes > MAX_MANIFEST_BYTES) throw new FormatError('its manifest is too large');
  const frame = await input.read(at, bytes);
  const prefix = spillwayFramePrefix(frame);
  if (!prefix || prefix.tag !== 'SPWM' || prefix.frameBytes !== bytes) {
    throw new FormatError('its manifest frame is not where the index says');
  }
  return parseJson(ManifestSchema, spillwayFrameJson(frame));
}

function checkManifestAgainstIndex(manifest: Manifest, frames: IndexedFrame[], size: number) {
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

function parseJson<T>(schema: { parse(value: unknown): T }, text: string): T {
  try {
    return schema.parse(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof ZodError) {
      throw new FormatError('its manifest cannot be read');
    }
    throw error;
  }
}
