// A frame: one fixed-size extent of the drive, the unit that is compressed, indexed,
// verified and restored on its own.

import type { Slot } from '../pool/slot-arena.js';

export const DEFAULT_FRAME_SIZE = 4 * 2 ** 20;
export const MIN_FRAME_SIZE = 64 * 2 ** 10;
export const MAX_FRAME_SIZE = 256 * 2 ** 20;

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

export function checkFrameSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_FRAME_SIZE || size > MAX_FRAME_SIZE) {
    throw new RangeError('the frame size must be between 64 KiB and 256 MiB');
  }
  if ((size & (size - 1)) !== 0) throw new RangeError('the frame size must be a power of two');
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
