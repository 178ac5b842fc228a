// Which frames of an indexed image hold a range of the drive, and which of its bytes matter
// (the rest are "don't care": zeros, known without decoding). Pure functions over the index.

import type { IndexedFrame } from '../format/image-layout.js';
import { complement, type ByteRange } from '../ranges.js';

/** The number of the frame holding drive byte `offset` (frames lie end to end from 0). */
export function frameAt(frames: readonly IndexedFrame[], offset: number): number {
  // Frames may differ in size (a seekable file made by another tool): binary search.
  let low = 0;
  let high = frames.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (frames[mid]!.driveOffset <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * The frames to decode for the drive bytes [start, end): those holding any byte of it that
 * is not "don't care" (`dontCare`: normalized ranges), in order, each once.
 */
export function framesToDecode(
  frames: readonly IndexedFrame[],
  dontCare: readonly ByteRange[],
  start: number,
  end: number,
): number[] {
  const wanted: number[] = [];
  for (const [s, e] of complement(dontCare, start, end)) {
    for (let i = frameAt(frames, s); i < frames.length && frames[i]!.driveOffset < e; i++) {
      if (wanted.at(-1) !== i) wanted.push(i);
    }
  }
  return wanted;
}

/** Whether every byte of the frame is "don't care" (reading it gives zeros). */
export function frameIsDontCare(frame: IndexedFrame, dontCare: readonly ByteRange[]): boolean {
  return complement(dontCare, frame.driveOffset, frame.driveOffset + frame.size).length === 0;
}
