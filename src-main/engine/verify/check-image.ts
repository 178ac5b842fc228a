// Reads a whole image and checks everything it carries: each frame's checksum, the index
// against the frames, and the SHA-256 of the whole stream against the manifest. Used by
// `verify`, and by `restore` before it writes anything.

import { createHash } from 'node:crypto';
import type { CheckLevel, Damage } from '../../../src-shared/protocol/events.js';
import { SpillwayError } from '../errors.js';
import { decodeFrames } from '../image/frame-decoder.js';
import type { OpenedImage } from '../image/open-image.js';
import { decodeBlocks } from '../image/stream-decoder.js';
import type { CodecPool } from '../pool/codec-pool.js';
import type { Counters } from '../progress/progress-tracker.js';

export interface CheckOutcome {
  checked: CheckLevel;
  /** Uncompressed bytes, as decoded (for a damaged image, up to the damage). */
  size: number;
  /** SHA-256 of the stream, or null when damage stopped it from being computed. */
  sha256: string | null;
  damage: Damage[];
}

/** Reporting stops here; a badly damaged image does not need a list of thousands. */
const MAX_DAMAGE_REPORTED = 1000;
const STREAM_BLOCK = 4 * 2 ** 20;

export async function checkImage(
  image: OpenedImage,
  pool: CodecPool,
  counters: Counters,
  signal: AbortSignal,
  /** Also hash the whole stream (a restore whose image records its hash skips it). */
  streamHash = true,
): Promise<CheckOutcome> {
  const hash = createHash('sha256');
  const damage: Damage[] = [];
  let size = 0;

  if (image.layout === 'indexed') {
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
      if (damage.length === 0 && streamHash) hash.update(decoded.data);
      size += decoded.frame.size;
    }
    const sha256 = damage.length === 0 && streamHash ? hash.digest('hex') : null;
    const expected = image.manifest?.streamSha256;
    if (sha256 && expected && sha256 !== expected) {
      damage.push({
        frame: null,
        drive: null,
        file: null,
        reason: 'every frame decodes, but the SHA-256 of the whole image is not the one recorded',
      });
    }
    return {
      checked: image.manifest ? 'frames-and-stream-hash' : 'codec-checksums',
      size,
      sha256,
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
    )) {
      hash.update(block);
      size += block.byteLength;
      counters.codecBytes = size;
      counters.streamDone = size;
    }
  } catch (error) {
    if (!(error instanceof SpillwayError) || signal.aborted) throw error;
    if (error.code !== 'image-damaged' && error.code !== 'image-truncated') throw error;
    damage.push({ frame: null, drive: null, file: null, reason: error.message });
    return { checked: 'codec-checksums', size, sha256: null, damage };
  }
  return {
    checked: image.layout === 'raw' ? 'none' : 'codec-checksums',
    size,
    sha256: hash.digest('hex'),
    damage,
  };
}
