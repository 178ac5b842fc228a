import { describe, expect, it } from 'vitest';
import { samplePositions } from './sample-positions.js';

describe('samplePositions', () => {
  it('spreads chunks evenly over the read ranges, each inside one range', () => {
    const read: Array<[number, number]> = [
      [0, 100],
      [1000, 1300],
    ];
    const positions = samplePositions(read, 4, 10);
    expect(positions).toHaveLength(4);
    for (const p of positions) {
      expect(read.some(([s, e]) => p >= s && p + 10 <= e)).toBe(true);
    }
    // Three of the four fall in the larger range (300 of 400 bytes).
    expect(positions.filter((p) => p >= 1000)).toHaveLength(3);
  });

  it('skips ranges smaller than a chunk and gives nothing when none fits', () => {
    expect(samplePositions([[0, 5]], 3, 10)).toEqual([]);
    expect(samplePositions([], 3, 10)).toEqual([]);
    expect(
      samplePositions(
        [
          [0, 5],
          [100, 110],
        ],
        3,
        10,
      ),
    ).toEqual([100]);
  });
});
