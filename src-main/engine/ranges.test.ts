import { describe, expect, it } from 'vitest';
import { clip, complement, intersect, normalize, subtract, totalLength } from './ranges.js';

describe('byte ranges', () => {
  it('normalizes: sorts, merges touching and overlapping, drops empty', () => {
    expect(
      normalize([
        [10, 20],
        [0, 5],
        [5, 8],
        [15, 30],
        [40, 40],
      ]),
    ).toEqual([
      [0, 8],
      [10, 30],
    ]);
  });

  it('clips, complements, intersects and subtracts', () => {
    const r: Array<[number, number]> = [
      [0, 10],
      [20, 30],
      [40, 50],
    ];
    expect(clip(r, 5, 45)).toEqual([
      [5, 10],
      [20, 30],
      [40, 45],
    ]);
    expect(complement(r, 0, 60)).toEqual([
      [10, 20],
      [30, 40],
      [50, 60],
    ]);
    expect(
      intersect(r, [
        [5, 25],
        [45, 100],
      ]),
    ).toEqual([
      [5, 10],
      [20, 25],
      [45, 50],
    ]);
    expect(subtract(r, [[5, 25]])).toEqual([
      [0, 5],
      [25, 30],
      [40, 50],
    ]);
    expect(totalLength(r)).toBe(30);
  });

  it('clips like a scan from the start, at every position of many ranges', () => {
    const many: Array<[number, number]> = Array.from({ length: 200 }, (_, i) => [
      i * 10,
      i * 10 + 4,
    ]);
    const scan = (start: number, end: number) =>
      many
        .filter(([s, e]) => e > start && s < end)
        .map(([s, e]) => [Math.max(s, start), Math.min(e, end)]);
    for (let start = 0; start < 2010; start += 3) {
      for (const width of [1, 5, 17, 400]) {
        expect(clip(many, start, start + width)).toEqual(scan(start, start + width));
      }
    }
    expect(clip([], 0, 10)).toEqual([]);
  });
});
