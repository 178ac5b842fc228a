// Byte ranges [start, end): sorted, merged lists of them, and set operations on those lists.
// Block maps, "don't care" ranges, bad ranges and written ranges are all such lists.

import type { ByteRange } from '../../src-shared/manifest.js';

export type { ByteRange };

/** Sorts, drops empty ranges and merges overlapping or touching ones. */
export function normalize(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: ByteRange[] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

export function totalLength(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, [s, e]) => sum + (e - s), 0);
}

/** The parts of normalized `ranges` that fall inside [start, end). */
export function clip(ranges: readonly ByteRange[], start: number, end: number): ByteRange[] {
  // Binary search for the first range ending after `start`: callers clip frame after frame
  // of a drive whose used map may hold 100 000s of ranges.
  let low = 0;
  let high = ranges.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ranges[mid]![1] <= start) low = mid + 1;
    else high = mid;
  }
  const out: ByteRange[] = [];
  for (let i = low; i < ranges.length; i++) {
    const [s, e] = ranges[i]!;
    if (s >= end) break;
    out.push([Math.max(s, start), Math.min(e, end)]);
  }
  return out;
}

/** [start, end) minus the normalized `holes`. */
export function complement(holes: readonly ByteRange[], start: number, end: number): ByteRange[] {
  const out: ByteRange[] = [];
  let cursor = start;
  for (const [s, e] of clip(holes, start, end)) {
    if (s > cursor) out.push([cursor, s]);
    cursor = Math.max(cursor, e);
  }
  if (cursor < end) out.push([cursor, end]);
  return out;
}

/** Normalized a ∩ normalized b. */
export function intersect(a: readonly ByteRange[], b: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [as, ae] = a[i]!;
    const [bs, be] = b[j]!;
    const s = Math.max(as, bs);
    const e = Math.min(ae, be);
    if (e > s) out.push([s, e]);
    if (ae < be) i++;
    else j++;
  }
  return out;
}

/** Normalized a minus normalized b. */
export function subtract(a: readonly ByteRange[], b: readonly ByteRange[]): ByteRange[] {
  return a.flatMap(([s, e]) => complement(b, s, e));
}
