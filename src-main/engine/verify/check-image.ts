// Reads a whole image and checks everything it carries: each frame's checksum, the index
// against the frames, and the stream's digests against the manifest (the SHA-256 of the
// whole stream, and the digest of every frame's XXH64). Used by `verify`, and by `restore`
// before it writes anything.

import { createHash } from 'node:crypto';
import type { Manifest } from '../../../src-shared/manifest.js';
import type { CheckLevel, Damage } from '../../../src-shared/protocol/events.js';
import { FRAMES_MISMATCH, FramesDigest, frameXxh64 } from '../digest/frame-digests.js';
import { SpillwayError } from '../errors.js';
import { decodeFrames } from '../image/frame-decoder.js';
import type { OpenedImage } from '../format/image-layout.js';
import { decodeBlocks } from '../image/stream-decoder.js';
import type { CodecPool } from '../pool/codec-pool.js';
import type { Counters } from '../progress/progress-tracker.js';

export interface CheckOutcome {
  checked: CheckLevel;
  /** Uncompressed bytes, as decoded (for a damaged image, up to the damage). */
  size: number;
  /** SHA-256 of the stream, or null when damage stopped it (or it was not asked for). */
  sha256: string | null;
  /** Each frame's XXH64 as stored, by frame index (indexed images without damage). */
  storedDigests: BigUint64Array | null;
  damage: Damage[];
}

/** Reporting stops here; a badly damaged image does not need a list of thousands. */
const MAX_DAMAGE_REPORTED = 1000;
const STREAM_BLOCK = 4 * 2 ** 20;

/** Why frames that all decode are still not the ones the manifest records, or null. */
function digestMismatch(
  manifest: Manifest,
  sha256: string | null,
  framesDigest: string,
): string | null {
  if (sha256 !== null && sha256 !== manifest.streamSha256) {
    return 'every frame decodes, but the SHA-256 of the whole image is not the one recorded';
  }
  if (manifest.framesDigest !== undefined && framesDigest !== manifest.framesDigest) {
    return FRAMES_MISMATCH;
  }
  return null;
}

export async function checkImage(
  image: OpenedImage,
  pool: CodecPool,
  counters: Counters,
  signal: AbortSignal,
  /** Also take the SHA-256 of the whole stream (one core over every byte; restore skips it
   * when the image records its frames' digest). */
  streamHash = true,
): Promise<CheckOutcome> {
  const hash = createHash('sha256');
  const damage: Damage[] = [];
  let size = 0;

  if (image.layout === 'indexed') {
    const storedDigests = new BigUint64Array(image.frames.length);
    const framesDigest = new FramesDigest();
    counters.streamTotal = image.payloadSize;
    counters.bytesToRead = image.input.size;
    for await (const decoded of decodeFrames(image, {
      pool,
      signal,
      onRead: (bytes) => (counters.bytesRead += bytes),
    })) {
      counters.codecBytes += decoded.frame.size;
      counters.streamDone += decoded.frame.size;
      if (decoded.damage) {
        if (damage.length < MAX_DAMAGE_REPORTED) damage.push(decoded.damage);
        continue;
      }
      if (damage.length === 0) {
        if (streamHash) hash.update(decoded.data);
        storedDigests[decoded.frame.index] = decoded.stored;
        framesDigest.add(frameXxh64(decoded.data));
      }
      size += decoded.frame.size;
    }
    const intact = damage.length === 0;
    const sha256 = intact && streamHash ? hash.digest('hex') : null;
    const mismatch =
      intact && image.manifest ? digestMismatch(image.manifest, sha256, framesDigest.hex()) : null;
    if (mismatch) damage.push({ frame: null, drive: null, file: null, reason: mismatch });
    return {
      checked: image.manifest ? 'frames-and-stream-hash' : 'codec-checksums',
      size,
      sha256,
      storedDigests: intact ? storedDigests : null,
      damage,
    };
  }

  counters.bytesToRead = image.input.size;
  try {
    for await (const block of decodeBlocks(
      image,
      STREAM_BLOCK,
      (bytes) => (counters.bytesRead += bytes),
      signal,
      pool,
    )) {
      if (streamHash) hash.update(block);
      size += block.byteLength;
      counters.codecBytes = size;
      counters.streamDone = size;
    }
  } catch (error) {
    if (!(error instanceof SpillwayError) || signal.aborted) throw error;
    if (error.code !== 'image-damaged' && error.code !== 'image-truncated') throw error;
    damage.push({ frame: null, drive: null, file: null, reason: error.message });
    return { checked: 'codec-checksums', size, sha256: null, storedDigests: null, damage };
  }
  return {
    checked: image.layout === 'raw' ? 'none' : 'codec-checksums',
    size,
    sha256: streamHash ? hash.digest('hex') : null,
    storedDigests: null,
    damage,
  };
}
