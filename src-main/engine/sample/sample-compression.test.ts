// A real sample of a real file: compressed by the backup's codec pool on the threads asked
// for, timed more than once at a fast setting, the rate the middle of what was measured.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { randomFile } from '../../test-support/fixtures.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { sampleCompression } from './sample-compression.js';

const MiB = 2 ** 20;

describe('sampleCompression', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'half-random.bin');
    // 16 MiB of random bytes then 16 MiB of zeros: about 2:1.
    await randomFile(source, 16 * MiB, 'sample-rate');
    await truncate(source, 32 * MiB);
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('measures on the threads asked for, over several runs, and reports their spread', async () => {
    for (const threads of [1, 2]) {
      const sample = await sampleCompression(source, 'zstd', 1, threads);
      expect(sample.threads).toBe(threads);
      expect(sample.sampled).toBe(16 * MiB);
      expect(sample.ratio).toBeGreaterThan(1.5);
      expect(sample.ratio).toBeLessThan(2.5);
      // zstd -1 on 16 MiB takes well under the time budget: more than one run is timed.
      expect(sample.runs).toBeGreaterThan(1);
      const [low, high] = sample.range;
      expect(low).toBeGreaterThan(0);
      expect(low).toBeLessThanOrEqual(sample.bytesPerSecond);
      expect(sample.bytesPerSecond).toBeLessThanOrEqual(high);
    }
  });

  it('times a slow setting once rather than keeping the user waiting', async () => {
    const sample = await sampleCompression(source, 'xz', 9, 2);
    expect(sample.runs).toBeGreaterThanOrEqual(1);
    expect(sample.range[0]).toBeLessThanOrEqual(sample.range[1]);
  });
});
