// The earlier image of a backup with a base (backup --base): which of its frames the new image
// may take instead of compressing its own. Whether it can serve at all is decided here, before
// reading starts, from its manifest (same drive, codec, level, frame size; frame hashes
// recorded); whether each frame can, on the codec workers (the hashes agree, and the stored
// frame decodes to exactly the bytes just read). A base that cannot serve is a fact the backup
// reports, not a failure: it then compresses every frame, as without one.

import type { Manifest } from '../../../src-shared/manifest.js';
import type { BaseRefusal } from '../../../src-shared/protocol/events.js';
import type { BlockMap } from '../blockmap/block-map.js';
import { provenStoredDigests } from '../digest/frame-digests.js';
import { decodeFrameHashes, hashAt } from '../digest/frame-hash.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import type { IndexedFrame, IndexedImage } from '../format/image-layout.js';
import { openImage } from '../image/open-image.js';
import { SlotArena, type Slot } from '../pool/slot-arena.js';
import type { BackupSource } from '../source/backup-source.js';
import type { BaseFrames } from './compress-stage.js';
import type { BackupSettings } from './options.js';

/** What the new backup is, for judging a base against it. */
export interface BaseWanted extends Pick<BackupSettings, 'codec' | 'startLevel' | 'frameSize'> {
  adaptive: boolean;
  source: BackupSource;
  /** null for a stream (its size is known only at the end). */
  map: BlockMap | null;
}

export type BaseVerdict =
  { usable: true; base: BaseImage } | { usable: false; refusal: BaseRefusal; reason: string };

/**
 * Opens `path` as a base for the backup `wanted` describes. `slots`: how many of its frames
 * can be read at once (the codec stage's frames in flight, plus one).
 */
export async function openBase(
  path: string,
  wanted: BaseWanted,
  slots: number,
  options: { ssh?: SshOptions } = {},
): Promise<BaseVerdict> {
  let image;
  try {
    image = await openImage(path, options);
  } catch (error) {
    return { usable: false, refusal: 'unreadable', reason: clause((error as Error).message) };
  }
  const verdict = judge(image.layout === 'indexed' ? image : null, wanted);
  if (verdict) {
    await image.input.close();
    return { usable: false, ...verdict };
  }
  const indexed = image as IndexedImage & { manifest: Manifest };
  const hashes = decodeFrameHashes(indexed.manifest.frameHashes, indexed.frames.length)!;
  return { usable: true, base: new BaseImage(indexed, hashes, slots) };
}

/** A sentence as a clause: "There is no image at x." → "there is no image at x". */
function clause(sentence: string): string {
  const text = sentence.trim().replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** Why `image` cannot serve as the base of the backup `wanted` describes, or null. */
export function judge(
  image: IndexedImage | null,
  wanted: BaseWanted,
): { refusal: BaseRefusal; reason: string } | null {
  const manifest = image?.manifest;
  if (!image || !manifest) {
    return { refusal: 'not-spillway', reason: 'it is not an image Spillway made' };
  }
  if (!decodeFrameHashes(manifest.frameHashes, image.frames.length)) {
    return {
      refusal: 'no-frame-hashes',
      reason: 'it was made by an older Spillway that did not record a hash of each frame',
    };
  }
  const source = wanted.source.info;
  const size = wanted.map?.size ?? null;
  const differ = (a: string | undefined, b: string | undefined) =>
    a !== undefined && b !== undefined && a !== b;
  const table = manifest.partitionTable;
  const newTable = wanted.map?.partitionTable ?? null;
  if (
    (size !== null && manifest.size !== size) ||
    differ(manifest.source.serial, source.serial) ||
    differ(manifest.source.model, source.model) ||
    (table !== null && newTable !== null && table.id !== newTable.id)
  ) {
    return {
      refusal: 'other-drive',
      reason: 'it is an image of another drive (its size, serial number or partition table differ)',
    };
  }
  if (manifest.codec.name !== wanted.codec) {
    return {
      refusal: 'other-codec',
      reason: `it is compressed with ${manifest.codec.name}, this backup with ${wanted.codec}`,
    };
  }
  if (manifest.frameSize !== wanted.frameSize) {
    return { refusal: 'other-frame-size', reason: 'its frames are of another size' };
  }
  const levels = manifest.codec.levels;
  if (wanted.adaptive || levels.some((run) => run.level !== wanted.startLevel)) {
    return {
      refusal: 'other-level',
      reason: wanted.adaptive
        ? 'this backup adapts its level as it goes'
        : `its frames are compressed at another level than ${wanted.startLevel}`,
    };
  }
  if (wanted.codec === 'none') {
    return { refusal: 'other-codec', reason: 'an uncompressed image has nothing to save' };
  }
  return null;
}

/** An earlier image whose frames, read by place, may stand for the new image's. */
export class BaseImage implements BaseFrames {
  readonly arena: SlotArena;
  readonly path: string;
  /** Each frame's XXH64 as stored, when the manifest proves them (else frames are decoded). */
  private readonly stored: Buffer | null;
  /** Frames whose stored bytes could not be read (counted with the damaged ones). */
  unreadable = 0;

  constructor(
    private readonly image: IndexedImage,
    private readonly hashes: Buffer,
    slots: number,
  ) {
    this.path = image.input.path;
    this.stored = image.manifest ? provenStoredDigests(image.manifest, image.frames.length) : null;
    const largest = image.frames.reduce((max, frame) => Math.max(max, frame.compressedSize), 1);
    this.arena = new SlotArena(largest, slots);
  }

  get frameCount(): number {
    return this.image.frames.length;
  }

  async read(
    index: number,
    slot: Slot,
    frameBytes: number,
  ): Promise<{
    length: number;
    hash: Uint8Array;
    checksum: number | null;
    storedXxh64?: bigint;
  } | null> {
    const frame: IndexedFrame | undefined = this.image.frames[index];
    if (!frame || frame.size !== frameBytes) return null;
    try {
      await this.image.input.readInto(slot.bytes(frame.compressedSize), frame.fileOffset);
    } catch {
      // A base that cannot be read here (its disk went away, a bad sector) costs only this
      // frame's reuse: it is compressed like any other.
      this.unreadable++;
      return null;
    }
    return {
      length: frame.compressedSize,
      // Its own 32 bytes: a view would carry the whole list to the worker with it.
      hash: new Uint8Array(hashAt(this.hashes, index)),
      checksum: frame.checksum,
      ...(this.stored ? { storedXxh64: this.stored.readBigUInt64BE(index * 8) } : {}),
    };
  }

  close(): Promise<void> {
    return this.image.input.close();
  }
}
