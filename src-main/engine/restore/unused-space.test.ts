// The plan for the target's unused space, pure: which bytes are discarded, zeroed, kept or
// left as holes, and what the result says was done.

import { describe, expect, it } from 'vitest';
import {
  MIN_DISCARD,
  bytesToZero,
  outcomes,
  planUnused,
  sampleSpots,
  unusedRanges,
} from './unused-space.js';

const MIB = 2 ** 20;
const drive = { newFile: false, discard: { granularity: 4096 } };

describe('planUnused', () => {
  const ranges: Array<[number, number]> = [
    [1000, 4 * MIB + 100],
    [8 * MIB, 8 * MIB + 8192],
  ];

  it('keep leaves every range, zero zeroes every range', () => {
    expect(planUnused(ranges, 'keep', drive).map((s) => s.action)).toEqual(['keep', 'keep']);
    expect(planUnused(ranges, 'zero', drive).map((s) => s.action)).toEqual(['zero', 'zero']);
  });

  it('erase and auto discard whole granules of large ranges and zero the edges and small ones', () => {
    for (const choice of ['erase', 'auto'] as const) {
      expect(planUnused(ranges, choice, drive)).toEqual([
        { range: [1000, 4096], action: 'zero' },
        { range: [4096, 4 * MIB], action: 'discard' },
        { range: [4 * MIB, 4 * MIB + 100], action: 'zero' },
        { range: [8 * MIB, 8 * MIB + 8192], action: 'zero' },
      ]);
    }
  });

  it('a target that cannot discard gets zeros; a new file has holes whatever the choice', () => {
    const noDiscard = { newFile: false, discard: null };
    expect(planUnused(ranges, 'auto', noDiscard).map((s) => s.action)).toEqual(['zero', 'zero']);
    for (const choice of ['keep', 'zero', 'auto'] as const) {
      expect(
        planUnused(ranges, choice, { newFile: true, discard: null }).map((s) => s.action),
      ).toEqual(['hole', 'hole']);
    }
  });

  it('every byte of the ranges is planned once, in order', () => {
    const steps = planUnused(ranges, 'auto', drive);
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i]!.range[0]).toBeGreaterThanOrEqual(steps[i - 1]!.range[1]);
    }
    const planned = steps.reduce((n, s) => n + s.range[1] - s.range[0], 0);
    expect(planned).toBe(ranges.reduce((n, [a, b]) => n + b - a, 0));
    expect(bytesToZero(steps)).toBe(4096 - 1000 + 100 + 8192);
  });

  it('ranges below MIN_DISCARD are zeroed', () => {
    expect(planUnused([[0, MIN_DISCARD - 4096]], 'erase', drive)[0]!.action).toBe('zero');
  });
});

describe('unusedRanges', () => {
  it('clips the don’t-care ranges to what is written (a smaller target)', () => {
    expect(
      unusedRanges(
        [
          [10, 20],
          [0, 5],
          [30, 50],
        ],
        40,
      ),
    ).toEqual([
      [0, 5],
      [10, 20],
      [30, 40],
    ]);
  });
});

describe('outcomes', () => {
  it('merges neighbours and reports a discard that did not read as zeros as zeroed', () => {
    const steps = planUnused([[1000, 4 * MIB + 100]], 'auto', drive);
    expect(outcomes(steps, new Set())).toEqual([
      { range: [1000, 4096], done: 'zeroed' },
      { range: [4096, 4 * MIB], done: 'discarded' },
      { range: [4 * MIB, 4 * MIB + 100], done: 'zeroed' },
    ]);
    expect(outcomes(steps, new Set([1]))).toEqual([
      { range: [1000, 4 * MIB + 100], done: 'zeroed' },
    ]);
  });
});

describe('sampleSpots', () => {
  it('reads a small range whole and a large one at its start, middle and end', () => {
    expect(sampleSpots([0, 100], 64)).toEqual([[0, 100]]);
    expect(sampleSpots([0, 1000], 64)).toEqual([
      [0, 64],
      [448, 512],
      [936, 1000],
    ]);
  });
});
