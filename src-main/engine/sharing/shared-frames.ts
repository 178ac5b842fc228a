// How much of a newer image of a drive is the same as an older image of it (pure, from the two
// manifests alone): the frames whose strong hash (frameHashes) is equal at the same place and
// that were compressed with the same codec, frame size and level, so their stored bytes are
// the same too (what a backup with a base copies instead of compressing). Facts and reason
// codes only; the Images screen words them.

import type { LevelRun, Manifest } from '../../../src-shared/manifest.js';
import type { SharedFrames } from '../../../src-shared/shared-frames.js';
import type { BaseRefusal } from '../../../src-shared/protocol/events.js';
import { decodeFrameHashes, hashAt } from '../digest/frame-hash.js';

function notComparable(reason: BaseRefusal): SharedFrames {
  return { comparable: false, reason };
}

/** Both images are of one drive: its size, and its serial number and model where recorded. */
function sameDrive(a: Manifest, b: Manifest): boolean {
  const differ = (x: string | undefined, y: string | undefined) =>
    x !== undefined && y !== undefined && x !== y;
  return (
    a.size === b.size &&
    !differ(a.source.serial, b.source.serial) &&
    !differ(a.source.model, b.source.model)
  );
}

/** The level of each of `count` frames, from the manifest's runs. */
function frameLevels(runs: readonly LevelRun[], fallback: number, count: number): Int32Array {
  const levels = new Int32Array(count).fill(runs[0]?.level ?? fallback);
  for (const run of runs) levels.fill(run.level, Math.min(run.from, count));
  return levels;
}

export function sharedFrames(newer: Manifest, older: Manifest): SharedFrames {
  const newHashes = decodeFrameHashes(newer.frameHashes, newer.frameCount);
  const oldHashes = decodeFrameHashes(older.frameHashes, older.frameCount);
  if (!newHashes || !oldHashes) return notComparable('no-frame-hashes');
  if (!sameDrive(newer, older)) return notComparable('other-drive');
  if (newer.codec.name !== older.codec.name) return notComparable('other-codec');
  if (newer.frameSize !== older.frameSize) return notComparable('other-frame-size');
  // Same size and frame size: the same number of frames, unless a manifest contradicts
  // itself; then only the frames both have are compared.
  const frames = Math.min(newer.frameCount, older.frameCount);
  const newLevels = frameLevels(newer.codec.levels, newer.codec.level, frames);
  const oldLevels = frameLevels(older.codec.levels, older.codec.level, frames);
  let atSameLevel = 0;
  let framesShared = 0;
  let bytesShared = 0;
  for (let i = 0; i < frames; i++) {
    if (newLevels[i] !== oldLevels[i]) continue;
    atSameLevel++;
    if (hashAt(newHashes, i).equals(hashAt(oldHashes, i))) {
      framesShared++;
      // The last frame holds what is left of the drive.
      bytesShared += Math.min(newer.frameSize, newer.size - i * newer.frameSize);
    }
  }
  if (frames > 0 && atSameLevel === 0) return notComparable('other-level');
  return { comparable: true, framesShared, framesTotal: newer.frameCount, bytesShared };
}
