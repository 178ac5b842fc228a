// Which worker takes the next job: the least loaded, up to two jobs each for frames of a few
// MiB (the next one waits in the worker's own queue), but a large job (an xz -T0 block of
// 24 MiB) only goes to an idle worker, so it never waits behind another while a worker idles.

import { describe, expect, it } from 'vitest';
import { LARGE_JOB, workerFor } from './codec-pool.js';

const FRAME = 4 * 2 ** 20;

describe('choosing a worker for a job', () => {
  it('gives a frame to the least loaded worker, two at most each', () => {
    expect(workerFor([0, 0], FRAME)).toBe(0);
    expect(workerFor([1, 0], FRAME)).toBe(1);
    expect(workerFor([1, 1], FRAME)).toBe(0);
    expect(workerFor([2, 1], FRAME)).toBe(1);
    expect(workerFor([2, 2], FRAME)).toBeNull();
  });

  it('gives a large job only to an idle worker', () => {
    expect(workerFor([1, 0], LARGE_JOB + 1)).toBe(1);
    expect(workerFor([1, 1], LARGE_JOB + 1)).toBeNull();
    expect(workerFor([1, 1], LARGE_JOB)).toBe(0);
  });
});
