// The sample's words: measured figures only, "about" only for a median of several runs.

import { describe, expect, it } from 'vitest';
import type { CompressionSample } from '../../src-shared/api.js';
import { estimateWords } from './estimate-words.js';

const MiB = 2 ** 20;
const sample: CompressionSample = {
  codec: 'zstd',
  level: 3,
  sampled: 16 * MiB,
  ratio: 2.5,
  bytesPerSecond: 12 * MiB,
  range: [11 * MiB, 13 * MiB],
  runs: 5,
  threads: 2,
  bytesToRead: 300 * MiB,
  expectedImage: 120 * MiB,
};

describe('estimateWords', () => {
  it('says the median with the runs’ spread and the threads it was measured on', () => {
    expect(estimateWords(sample, 120 * MiB)).toBe(
      'A 16.0 MiB sample compressed at about 12.0 MiB/s (11.0 MiB/s to 13.0 MiB/s over 5 runs) ' +
        'on 2 threads, 2.50× smaller: an image of about 120 MiB.',
    );
  });
  it('says one run without "about", and an untimed sample without a speed', () => {
    expect(estimateWords({ ...sample, runs: 1, threads: 1 }, null)).toBe(
      'A 16.0 MiB sample compressed at 12.0 MiB/s on 1 thread, 2.50× smaller.',
    );
    expect(estimateWords({ ...sample, runs: 0, bytesPerSecond: 0 }, null)).toBe(
      'A 16.0 MiB sample came out 2.50× smaller; its speed could not be timed.',
    );
  });
});
