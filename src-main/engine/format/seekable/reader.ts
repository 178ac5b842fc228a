// Reads the index of an image in the seekable layout (zstd-seekable.ts; writer.ts writes it):
// the header frame at the start, the seek table at the end, the manifest frame before it.
// Everything read is checked before it is used: counts against the file's size, sizes
// against fixed limits, the manifest against its schema and against the seek table.

import { ZodError } from 'zod';
import {
  ImageHeaderSchema,
  ManifestSchema,
  MAX_MANIFEST_BYTES,
  type ImageHeader,
  type Manifest,
} from '../../../../src-shared/manifest.js';
import type { ImageInput } from '../../endpoints/image-input.js';
import { FormatError } from '../../format-error.js';
import {
  checkFrameBounds,
  checkManifestAgainstIndex,
  type IndexedFrame,
  type IndexedImage,
} from '../image-layout.js';
import {
  parseSeekFooter,
  parseSeekTable,
  SEEK_FOOTER_BYTES,
  SPILLWAY_FRAME_PREFIX_BYTES,
  spillwayFrameJson,
  spillwayFramePrefix,
  type SeekEntry,
} from './zstd-seekable.js';

/** The header frame a Spillway image starts with (`head`: its first bytes); null if none. */
export async function readHeader(input: ImageInput, head: Buffer): Promise<ImageHeader | null> {
  const prefix = spillwayFramePrefix(head.subarray(0, SPILLWAY_FRAME_PREFIX_BYTES));
  if (!prefix || prefix.tag !== 'SPWH') return null;
  if (prefix.frameBytes > 64 * 1024 || prefix.frameBytes > input.size) {
    throw new FormatError('its header frame is too large');
  }
  return parseJson(ImageHeaderSchema, spillwayFrameJson(await input.read(0, prefix.frameBytes)));
}

/** The seek table at the end of the file; null when the file does not end with one. */
export async function readSeekTable(input: ImageInput): Promise<SeekEntry[] | null> {
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

/** The image's frames from its seek table, and its manifest (Spillway images only). */
export async function readSeekableImage(
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
    checkFrameBounds(i, entry.decompressedSize, entry.compressedSize);
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

async function readManifest(input: ImageInput, at: number, bytes: number): Promise<Manifest> {
  if (bytes > MAX_MANIFEST_BYTES) throw new FormatError('its manifest is too large');
  const frame = await input.read(at, bytes);
  const prefix = spillwayFramePrefix(frame);
  if (!prefix || prefix.tag !== 'SPWM' || prefix.frameBytes !== bytes) {
    throw new FormatError('its manifest frame is not where the index says');
  }
  return parseJson(ManifestSchema, spillwayFrameJson(frame));
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
