// The compression estimate from timed runs: the middle run, the slowest and fastest beside it,
// and as many runs as the time budget allows.

import { describe, expect, it } from 'vitest';
import { rateEstimate, wantAnotherRun } from './rate-estimate.js';

const MiB = 2 ** 20;

describe('rateEstimate', () => {
  it('is the median run, with the slowest and fastest as its range', () => {
    // The wizard once showed 44.7 then 3.0 MiB/s for one setting: one stalled run and one
    // lucky run do not move the median of five.
    const runs = [
      { bytes: 16 * MiB, seconds: 16 / 12 },
      { bytes: 16 * MiB, seconds: 16 / 3 },
      { bytes: 16 * MiB, seconds: 16 / 11 },
      { bytes: 16 * MiB, seconds: 16 / 44.7 },
      { bytes: 16 * MiB, seconds: 16 / 13 },
    ];
    const estimate = rateEstimate(runs)!;
    expect(estimate.bytesPerSecond / MiB).toBeCloseTo(12, 6);
    expect(estimate.range[0] / MiB).toBeCloseTo(3, 6);
    expect(estimate.range[1] / MiB).toBeCloseTo(44.7, 6);
    expect(estimate.runs).toBe(5);
  });

  it('averages the middle two of an even count, and skips runs that timed nothing', () => {
    const estimate = rateEstimate([
      { bytes: 10, seconds: 1 },
      { bytes: 30, seconds: 1 },
      { bytes: 5, seconds: 0 },
      { bytes: 0, seconds: 1 },
    ])!;
    expect(estimate).toEqual({ bytesPerSecond: 20, range: [10, 30], runs: 2 });
    expect(rateEstimate([])).toBeNull();
    expect(rateEstimate([{ bytes: 1, seconds: 0 }])).toBeNull();
  });
});

describe('wantAnotherRun', () => {
  const options = { minRuns: 1, maxRuns: 4, budget: 1 };
  it('runs at least minRuns, then until the budget is spent, never past maxRuns', () => {
    expect(wantAnotherRun([], options)).toBe(true);
    expect(wantAnotherRun([{ bytes: 1, seconds: 0.3 }], options)).toBe(true);
    expect(wantAnotherRun([{ bytes: 1, seconds: 1.2 }], options)).toBe(false);
    const quick = Array.from({ length: 4 }, () => ({ bytes: 1, seconds: 0.01 }));
    expect(wantAnotherRun(quick, options)).toBe(false);
    expect(wantAnotherRun(quick.slice(0, 3), options)).toBe(true);
  });
});
