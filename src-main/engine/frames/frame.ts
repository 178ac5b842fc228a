// A frame: one fixed-size extent of the drive, the unit that is compressed, indexed,
// verified and restored on its own.

import type { Slot } from '../pool/slot-arena.js';

export interface RawFrame {
  index: number;
  /** Offset of the frame's first byte in the drive. */
  offset: number;
  /** The shared slot holding the frame; whoever finishes with the frame releases it. */
  slot: Slot;
  /** The frame's uncompressed bytes: a view of the slot. */
  data: Buffer;
  /** Nothing was read into it: it holds only zeros ("don't care"), so its hashes are known. */
  zeros?: boolean;
}

/** Number of frames of `frameSize` covering `size` bytes. */
export function frameCount(size: number, frameSize: number): number {
  return Math.ceil(size / frameSize);
}

/** [offset, length] of frame `index`. */
export function frameExtent(index: number, size: number, frameSize: number): [number, number] {
  const offset = index * frameSize;
  return [offset, Math.min(frameSize, size - offset)];
}
