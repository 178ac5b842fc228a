// Where to take a compression sample from: chunks spread evenly over the bytes a backup will
// read (not over the whole drive: free space compresses to nothing and would flatter the
// estimate). Pure arithmetic over the block map's read ranges.

import type { ByteRange } from '../../../src-shared/manifest.js';

/**
 * Up to `count` chunk starts, each `chunk` bytes long and inside one read range, spaced
 * evenly through the ranges' combined length. Ranges shorter than a chunk are skipped.
 */
export function samplePositions(read: ByteRange[], count: number, chunk: number): number[] {
  const usable = read.filter(([start, end]) => end - start >= chunk);
  const total = usable.reduce((sum, [start, end]) => sum + (end - start - chunk + 1), 0);
  if (total <= 0 || count <= 0) return [];
  const positions: number[] = [];
  for (let i = 0; i < count; i++) {
    // The middle of the i-th of `count` equal slices of the usable length.
    let offset = Math.floor(((i + 0.5) * total) / count);
    for (const [start, end] of usable) {
      const room = end - start - chunk + 1;
      if (offset < room) {
        positions.push(start + offset);
        break;
      }
      offset -= room;
    }
  }
  return [...new Set(positions)];
}
