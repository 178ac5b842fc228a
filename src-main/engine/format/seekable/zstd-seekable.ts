// The zstd seekable format (zstd repository, contrib/seekable_format), as pure functions over
// bytes. A Spillway image is:
//
//   header frame ─ data frames ─ manifest frame ─ seek table
//
// The header and manifest are skippable frames holding a 4-byte tag and JSON; the header makes
// an image recognisable even when its end is missing (a cut-short copy, an interrupted
// backup). The seek table is the final skippable frame, with one entry per frame including
// header and manifest (decompressed size 0), as the format asks, so cumulative compressed
// sizes end exactly where the seek table starts. `zstd -dc` skips every skippable frame.

import { FormatError } from '../../format-error.js';

export const ZSTD_MAGIC = 0xfd2fb528;
export const SKIPPABLE_MAGIC_BASE = 0x184d2a50;
export const SEEK_TABLE_MAGIC = SKIPPABLE_MAGIC_BASE | 0xe;
export const SEEKABLE_FOOTER_MAGIC = 0x8f92eab1;
/** Spillway's own frames: one skippable magic, a 4-byte tag, then JSON. */
export const SPILLWAY_FRAME_MAGIC = SKIPPABLE_MAGIC_BASE | 0xb;
export type SpillwayFrameTag = 'SPWH' | 'SPWM';
export const HEADER_TAG: SpillwayFrameTag = 'SPWH';
export const MANIFEST_TAG: SpillwayFrameTag = 'SPWM';
const TAG_BYTES = 4;

export const SKIPPABLE_HEADER_BYTES = 8;
export const SEEK_FOOTER_BYTES = 9;
const ENTRY_BYTES_WITH_CHECKSUM = 12;
const CHECKSUM_FLAG = 0x80;
const RESERVED_BITS = 0x7c;
/** Low 32 bits of XXH64 of no bytes (seed 0): the checksum of the manifest's empty payload. */
export const XXH64_EMPTY_LOW32 = 0x51d8e999;

export interface SeekEntry {
  compressedSize: number;
  decompressedSize: number;
  /** Low 32 bits of XXH64 of the frame's uncompressed bytes; null without the checksum flag. */
  checksum: number | null;
}

export function skippableFrame(magic: number, payload: Uint8Array): Buffer {
  if (payload.byteLength > 0xffffffff) throw new RangeError('skippable frame too large');
  const frame = Buffer.allocUnsafe(SKIPPABLE_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32LE(magic >>> 0, 0);
  frame.writeUInt32LE(payload.byteLength, 4);
  frame.set(payload, SKIPPABLE_HEADER_BYTES);
  return frame;
}

/** A header (SPWH) or manifest (SPWM) frame holding `json`. */
export function spillwayFrame(tag: SpillwayFrameTag, json: string): Buffer {
  return skippableFrame(SPILLWAY_FRAME_MAGIC, Buffer.from(tag + json, 'utf8'));
}

/** The seek table frame for these entries (always with checksums). */
export function encodeSeekTable(entries: readonly SeekEntry[]): Buffer {
  const payloadBytes = entries.length * ENTRY_BYTES_WITH_CHECKSUM + SEEK_FOOTER_BYTES;
  const frame = Buffer.allocUnsafe(SKIPPABLE_HEADER_BYTES + payloadBytes);
  frame.writeUInt32LE(SEEK_TABLE_MAGIC >>> 0, 0);
  frame.writeUInt32LE(payloadBytes, 4);
  let at = SKIPPABLE_HEADER_BYTES;
  for (const entry of entries) {
    frame.writeUInt32LE(entry.compressedSize, at);
    frame.writeUInt32LE(entry.decompressedSize, at + 4);
    frame.writeUInt32LE((entry.checksum ?? 0) >>> 0, at + 8);
    at += ENTRY_BYTES_WITH_CHECKSUM;
  }
  frame.writeUInt32LE(entries.length, at);
  frame.writeUInt8(CHECKSUM_FLAG, at + 4);
  frame.writeUInt32LE(SEEKABLE_FOOTER_MAGIC >>> 0, at + 5);
  return frame;
}

export interface SeekFooter {
  frameCount: number;
  hasChecksums: boolean;
  /** Bytes of the whole seek table frame, footer included. */
  tableBytes: number;
}

/** Reads the 9-byte footer at the end of a file; null when the file has no seek table. */
export function parseSeekFooter(footer: Uint8Array, fileSize: number): SeekFooter | null {
  if (footer.byteLength !== SEEK_FOOTER_BYTES) return null;
  const view = Buffer.from(footer.buffer, footer.byteOffset, footer.byteLength);
  if (view.readUInt32LE(5) !== SEEKABLE_FOOTER_MAGIC) return null;
  const descriptor = view.readUInt8(4);
  if (descriptor & RESERVED_BITS) {
    throw new FormatError('the seek table uses reserved bits this version does not know');
  }
  const frameCount = view.readUInt32LE(0);
  const hasChecksums = (descriptor & CHECKSUM_FLAG) !== 0;
  const entryBytes = hasChecksums ? 12 : 8;
  const tableBytes = SKIPPABLE_HEADER_BYTES + frameCount * entryBytes + SEEK_FOOTER_BYTES;
  if (tableBytes > fileSize) {
    throw new FormatError(`the seek table claims ${frameCount} frames, more than the file holds`);
  }
  return { frameCount, hasChecksums, tableBytes };
}

/** Parses the whole seek table frame (header to footer) that `footer` described. */
export function parseSeekTable(table: Uint8Array, footer: SeekFooter): SeekEntry[] {
  if (table.byteLength !== footer.tableBytes) throw new FormatError('seek table size mismatch');
  const view = Buffer.from(table.buffer, table.byteOffset, table.byteLength);
  if (view.readUInt32LE(0) !== SEEK_TABLE_MAGIC >>> 0) {
    throw new FormatError('the seek table frame has the wrong magic number');
  }
  if (view.readUInt32LE(4) + SKIPPABLE_HEADER_BYTES !== footer.tableBytes) {
    throw new FormatError('the seek table frame size does not match its entry count');
  }
  const entries: SeekEntry[] = [];
  const entryBytes = footer.hasChecksums ? 12 : 8;
  for (let i = 0, at = SKIPPABLE_HEADER_BYTES; i < footer.frameCount; i++, at += entryBytes) {
    entries.push({
      compressedSize: view.readUInt32LE(at),
      decompressedSize: view.readUInt32LE(at + 4),
      checksum: footer.hasChecksums ? view.readUInt32LE(at + 8) : null,
    });
  }
  return entries;
}

/** Bytes to read at a frame's start to learn whether it is one of Spillway's frames. */
export const SPILLWAY_FRAME_PREFIX_BYTES = SKIPPABLE_HEADER_BYTES + TAG_BYTES;

/**
 * The tag and payload length of a Spillway frame from its first bytes, or null when the bytes
 * are something else (a data frame, another tool's skippable frame).
 */
export function spillwayFramePrefix(
  prefix: Uint8Array,
): { tag: SpillwayFrameTag; frameBytes: number } | null {
  if (prefix.byteLength < SPILLWAY_FRAME_PREFIX_BYTES) return null;
  const view = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (view.readUInt32LE(0) !== SPILLWAY_FRAME_MAGIC >>> 0) return null;
  const tag = view.toString('latin1', SKIPPABLE_HEADER_BYTES, SPILLWAY_FRAME_PREFIX_BYTES);
  if (tag !== HEADER_TAG && tag !== MANIFEST_TAG) return null;
  const payload = view.readUInt32LE(4);
  if (payload < TAG_BYTES) return null;
  return { tag, frameBytes: SKIPPABLE_HEADER_BYTES + payload };
}

/** The JSON text of a whole Spillway frame (see spillwayFramePrefix). */
export function spillwayFrameJson(frame: Uint8Array): string {
  const view = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  return view.toString('utf8', SPILLWAY_FRAME_PREFIX_BYTES);
}
