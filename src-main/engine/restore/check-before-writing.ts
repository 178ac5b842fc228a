// Which frames a restore decodes, and the check of the image before anything is written.
//
// A frame holding only "don't care" bytes (unused by any filesystem) has nothing to write
// and is never decoded: on a drive a quarter full, that is most of them. The check, from the
// cheapest to the dearest:
//
// - sealed-chunks (an encrypted image recording sealedDigest): the chunks before the
//   manifest are read as stored and hashed, none opened (endpoints/age/sealed-digest.ts).
//   When they are the chunks the backup wrote, so are the frames inside, whose stored
//   XXH64s the manifest lists (and the chunks it lies in authenticate it). It counts as the
//   stored-frames check: the image is byte for byte as the backup wrote it.
// - stored-frames: the image records storedFramesDigest. Every frame's bytes, as stored,
//   are read in order and hashed: when they are the bytes the backup wrote, nothing needs
//   decoding here (one read of the compressed image, at the speed of the disk). In an
//   encrypted image each chunk holding them is opened to do so.
// - frames: that failed or is not recorded, and the image records framesDigest. The frames
//   to be written are decoded on every core and proved the recorded ones, in their places,
//   the frames left out counting as the zeros the image holds there. This tells a damaged
//   frame that would be written from one that only holds "don't care" bytes.
// - stream-hash: older images are checked whole, through the SHA-256 of their stream (one
//   core over every byte); codec-checksums: a foreign image, through its codec's own.
//
// Each check gives every frame's XXH64 as stored (the sealed-chunks check: as the manifest
// lists them), which writing compares again, frame by frame, before writing it: an image
// that changed since is stopped there.

import type { SealedDigestRecord } from '../../../src-shared/manifest.js';
import type { Damage, RestoreCheck } from '../../../src-shared/protocol/events.js';
import {
  FRAMES_MISMATCH,
  FramesDigestCheck,
  frameXxh64,
  provenStoredDigests,
  StoredFramesDigest,
  type BoundFields,
} from '../digest/frame-digests.js';
import type { SealedChunks } from '../endpoints/image-input.js';
import { decodeFrames } from '../image/frame-decoder.js';
import type { IndexedFrame, IndexedImage, OpenedImage } from '../format/image-layout.js';
import { hashStoredFrames } from '../image/stored-frames.js';
import type { CodecPool } from '../pool/codec-pool.js';
import type { Counters } from '../progress/progress-tracker.js';
import { clip, complement, normalize, type ByteRange } from '../ranges.js';
import { checkImage } from '../verify/check-image.js';

export interface WriteSelection {
  /** The drive's ranges to write. */
  wanted: ByteRange[];
  /** The frames holding any of them, in order. */
  frames: IndexedFrame[];
}

/** The data a restore writes up to `limit` (a smaller target cuts the image short): all but
 *  the "don't care" ranges, which unused-space.ts looks after. */
export function selectWrites(image: IndexedImage, limit: number): WriteSelection {
  const skip = normalize(image.manifest?.dontCare ?? []);
  const wanted = complement(skip, 0, limit);
  const frames = image.frames.filter(
    (f) => clip(wanted, f.driveOffset, f.driveOffset + f.size).length > 0,
  );
  return { wanted, frames };
}

/**
 * Each frame's XXH64 as stored, by frame index: 8 MB for a million frames (4 TiB of drive),
 * where a Map of BigInts took 53.5 MB (measured in Node 20). Only the frames a check read
 * are set; writing only asks for those.
 */
export type StoredDigests = BigUint64Array;

/**
 * Reads every frame as stored and compares their digest, bound to the manifest's fields a
 * restore relies on, with the recorded storedFramesDigest. Returns each frame's stored XXH64
 * when they match, null when not.
 */
export async function checkStoredFrames(
  image: IndexedImage,
  manifest: BoundFields,
  recorded: string,
  counters: Counters,
  signal: AbortSignal,
  pool?: CodecPool,
): Promise<StoredDigests | null> {
  const digests: StoredDigests = new BigUint64Array(image.frames.length);
  const digest = new StoredFramesDigest();
  counters.streamTotal = image.payloadSize;
  counters.bytesToRead = image.frames.reduce((sum, f) => sum + f.compressedSize, 0);
  await hashStoredFrames(
    image.input,
    image.frames,
    (frame, stored) => {
      digests[frame.index] = stored;
      digest.add(stored);
      counters.streamDone += frame.size;
    },
    (bytes) => (counters.bytesRead += bytes),
    signal,
    pool,
  );
  return digest.hex(manifest) === recorded ? digests : null;
}

/**
 * Hashes an encrypted image's chunks before its manifest as stored and compares them with the
 * recorded sealedDigest. Returns each frame's stored XXH64, as the manifest lists them
 * (`listed`, 8 bytes big-endian each), when they match; null when they differ.
 */
export async function checkSealedChunks(
  image: IndexedImage,
  sealed: SealedChunks,
  recorded: SealedDigestRecord,
  listed: Buffer,
  counters: Counters,
  signal: AbortSignal,
): Promise<StoredDigests | null> {
  counters.streamTotal = image.payloadSize;
  counters.bytesToRead = sealed.storedBytes(recorded.chunks);
  // Progress in the drive's bytes: those of the frames wholly inside the chunks hashed.
  const ends = image.frames.map((f) => f.fileOffset + f.compressedSize);
  let done = 0;
  const digest = await sealed.digestStored(
    recorded.chunks,
    (bytes, plainEnd) => {
      counters.bytesRead += bytes;
      while (done < ends.length && ends[done]! <= plainEnd) done++;
      const last = image.frames[done - 1];
      counters.streamDone = last ? last.driveOffset + last.size : 0;
    },
    signal,
  );
  if (digest.chunks !== recorded.chunks || digest.digest !== recorded.digest) return null;
  const stored: StoredDigests = new BigUint64Array(image.frames.length);
  for (let i = 0; i < stored.length; i++) stored[i] = listed.readBigUInt64BE(i * 8);
  return stored;
}

export type FramesCheck = { ok: true; stored: StoredDigests } | { ok: false; damage: Damage };

/**
 * Decodes `frames` (a selection of the image's, in order) and checks them against the
 * recorded framesDigest. Returns each frame's XXH64 as stored, or the first damage.
 */
export async function checkFrames(
  image: IndexedImage,
  frames: IndexedFrame[],
  recorded: string,
  pool: CodecPool,
  counters: Counters,
  signal: AbortSignal,
): Promise<FramesCheck> {
  const check = new FramesDigestCheck(
    image.frames.map((f) => f.size),
    recorded,
  );
  const stored: StoredDigests = new BigUint64Array(image.frames.length);
  counters.streamTotal = frames.reduce((sum, f) => sum + f.size, 0);
  counters.bytesToRead = frames.reduce((sum, f) => sum + f.compressedSize, 0);
  for await (const decoded of decodeFrames(image, {
    pool,
    signal,
    frames,
    onRead: (bytes) => (counters.bytesRead += bytes),
  })) {
    if (decoded.damage) return { ok: false, damage: decoded.damage };
    stored[decoded.frame.index] = decoded.stored;
    check.add(decoded.frame.index, frameXxh64(decoded.data));
    counters.codecBytes += decoded.frame.size;
    counters.streamDone += decoded.frame.size;
  }
  if (!check.matches()) {
    return {
      ok: false,
      damage: {
        frame: null,
        drive: null,
        file: null,
        reason: FRAMES_MISMATCH,
      },
    };
  }
  return { ok: true, stored };
}

export type CheckBeforeWriting =
  | {
      ok: true;
      checked: Exclude<RestoreCheck, 'none' | 'codec-checksums-while-writing'>;
      /** Bytes of the stream. */
      size: number;
      /** Each frame's XXH64 as stored, for the frames checked (indexed images). */
      stored: StoredDigests | null;
    }
  | { ok: false; damage: Damage };

export async function checkBeforeWriting(
  image: OpenedImage,
  options: {
    pool: CodecPool;
    counters: Counters;
    signal: AbortSignal;
    /** Told when the quick check fails and each frame to write is decoded instead (the
     *  counters start over). */
    onCloserCheck(message: string): void;
  },
): Promise<CheckBeforeWriting> {
  const { pool, counters, signal } = options;
  if (image.layout === 'indexed') {
    const { manifest } = image;
    const size = image.payloadSize;
    const framesDigest = manifest?.framesDigest;
    // An encrypted image read as such (one that `age -d` decrypted keeps the record, which
    // then describes another file) whose manifest lists its frames' stored digests.
    const sealed = image.input.sealedChunks;
    const sealedRecord = sealed ? manifest?.sealedDigest : undefined;
    const listed =
      manifest && sealedRecord ? provenStoredDigests(manifest, image.frames.length) : null;
    if (sealed && sealedRecord && listed) {
      const stored = await checkSealedChunks(image, sealed, sealedRecord, listed, counters, signal);
      if (stored) return { ok: true, checked: 'stored-frames', size, stored };
      // Something differs: opening each chunk finds which, or proves the frames still whole.
      options.onCloserCheck(
        'The encrypted image is not byte for byte what the backup wrote: opening each part to check it',
      );
    }
    if (manifest?.storedFramesDigest !== undefined) {
      const recorded = manifest.storedFramesDigest;
      const stored = await checkStoredFrames(image, manifest, recorded, counters, signal, pool);
      if (stored) return { ok: true, checked: 'stored-frames', size, stored };
      // Something differs: the frame-by-frame check finds whether it is in what is written.
      options.onCloserCheck(
        'The image is not byte for byte what the backup wrote: checking each frame to write',
      );
    }
    if (framesDigest !== undefined) {
      // The frames written whatever the target's size: the check is of the image.
      const { frames } = selectWrites(image, size);
      const outcome = await checkFrames(image, frames, framesDigest, pool, counters, signal);
      return outcome.ok ? { ok: true, checked: 'frames', size, stored: outcome.stored } : outcome;
    }
  }
  const withManifest = image.layout === 'indexed' && image.manifest !== null;
  const outcome = await checkImage(image, pool, counters, signal, withManifest);
  const damage = outcome.damage[0];
  return damage
    ? { ok: false, damage }
    : {
        ok: true,
        checked: withManifest ? 'stream-hash' : 'codec-checksums',
        size: outcome.size,
        stored: outcome.storedDigests,
      };
}
