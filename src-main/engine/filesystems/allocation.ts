// What one filesystem reader says about a partition: which of its bytes are in use. One
// reader per filesystem behind this interface (as partclone has), each a pure parser over
// ReadAt. A reader that finds its filesystem but distrusts something throws Distrust: the
// partition is then read whole, and the plan says why.

import type { ByteRange } from '../../../src-shared/manifest.js';
import type { ReadAt } from '../read-at.js';

export interface Allocation {
  filesystem: string;
  label?: string;
  uuid?: string;
  /** In-use ranges, relative to the partition's start, normalized. */
  used: ByteRange[];
}

export interface FilesystemReader {
  name: string;
  /** The allocation, or null when the partition does not hold this filesystem. */
  read(read: ReadAt, size: number): Promise<Allocation | null>;
}

/** Appends [start, end) to sorted, non-overlapping `ranges`, merging with the last one. */
export function pushRange(ranges: ByteRange[], start: number, end: number): void {
  // An empty range is no range (found by fuzzing: a FAT whose last cluster ends exactly at
  // the partition's end gave [size, size) after it; a normalized list holds none).
  if (end <= start) return;
  const last = ranges[ranges.length - 1];
  if (last && last[1] >= start) last[1] = Math.max(last[1], end);
  else ranges.push([start, end]);
}

/** Ranges of set bits of a bitmap (bit i of byte i>>3, LSB first) as [firstBit, endBit). */
export function bitRuns(bitmap: Uint8Array, bits: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  for (let byte = 0; byte * 8 < bits; byte++) {
    const value = bitmap[byte]!;
    // Whole bytes at once where they continue or do not start a run.
    if ((value === 0xff && start >= 0) || (value === 0 && start < 0)) {
      if (byte * 8 + 8 <= bits) continue;
    }
    for (let bit = 0; bit < 8; bit++) {
      const i = byte * 8 + bit;
      if (i >= bits) break;
      const set = (value >> bit) & 1;
      if (set && start < 0) start = i;
      else if (!set && start >= 0) {
        runs.push([start, i]);
        start = -1;
      }
    }
  }
  if (start >= 0) runs.push([start, bits]);
  return runs;
}
