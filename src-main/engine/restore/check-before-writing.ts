// Which frames a restore decodes, and the check of the image before anything is written.
//
// A frame holding only "don't care" bytes (unused by any filesystem) has nothing to write
// and is never decoded: on a drive a quarter full, that is most of them. For an image that
// records its frames' digest (manifest.framesDigest), the check decodes the frames to be
// written on every core and proves them the recorded ones, in their places, the frames left
// out counting as the zeros the image holds there. An older image is checked whole, through
// the SHA-256 of its stream (one core over every byte); a foreign one through its codec's
// own checksums.

import type { Damage } from '../../../src-shared/protocol/events.js';
import { FRAMES_MISMATCH, FramesDigestCheck, frameXxh64 } from '../digest/frame-digests.js';
import { decodeFrames } from '../image/frame-decoder.js';
import type { IndexedFrame, IndexedImage, OpenedImage } from '../image/open-image.js';
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

export function selectWrites(
  image: IndexedImage,
  options: {
    /** Write zeros over "don't care" ranges too. */
    zeroUnused: boolean;
    /** Write up to here (a smaller target cuts the image short). */
    limit: number;
  },
): WriteSelection {
  const skip = options.zeroUnused ? [] : normalize(image.manifest?.dontCare ?? []);
  const wanted = complement(skip, 0, options.limit);
  const frames = image.frames.filter(
    (f) => clip(wanted, f.driveOffset, f.driveOffset + f.size).length > 0,
  );
  return { wanted, frames };
}

export type FramesCheck =
  { ok: true; digests: Map<number, bigint> } | { ok: false; damage: Damage };

/**
 * Decodes `frames` (a selection of the image's, in order) and checks them against the
 * recorded framesDigest. Returns each frame's XXH64 by index, or the first damage.
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
  const digests = new Map<number, bigint>();
  counters.streamTotal = frames.reduce((sum, f) => sum + f.size, 0);
  counters.bytesToRead = frames.reduce((sum, f) => sum + f.compressedSize, 0);
  for await (const decoded of decodeFrames(image, {
    pool,
    signal,
    frames,
    onRead: (bytes) => (counters.bytesRead += bytes),
  })) {
    if (decoded.damage) return { ok: false, damage: decoded.damage };
    const digest = frameXxh64(decoded.data);
    digests.set(decoded.frame.index, digest);
    check.add(decoded.frame.index, digest);
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
  return { ok: true, digests };
}

export type CheckBeforeWriting =
  | {
      ok: true;
      /** Bytes of the stream. */
      size: number;
      /** Each checked frame's XXH64 by index (indexed images). */
      digests: Map<number, bigint> | null;
    }
  | { ok: false; damage: Damage };

export async function checkBeforeWriting(
  image: OpenedImage,
  zeroUnused: boolean,
  pool: CodecPool,
  counters: Counters,
  signal: AbortSignal,
): Promise<CheckBeforeWriting> {
  const recorded = image.layout === 'indexed' ? image.manifest?.framesDigest : undefined;
  if (image.layout === 'indexed' && recorded !== undefined) {
    // The frames written whatever the target's size: the check is of the image.
    const { frames } = selectWrites(image, { zeroUnused, limit: image.payloadSize });
    const outcome = await checkFrames(image, frames, recorded, pool, counters, signal);
    return outcome.ok ? { ok: true, size: image.payloadSize, digests: outcome.digests } : outcome;
  }
  const outcome = await checkImage(
    image,
    pool,
    counters,
    signal,
    image.layout === 'indexed' && image.manifest !== null,
  );
  const damage = outcome.damage[0];
  return damage
    ? { ok: false, damage }
    : { ok: true, size: outcome.size, digests: outcome.frameDigests };
}
