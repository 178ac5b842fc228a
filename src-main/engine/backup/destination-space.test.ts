// The free-space watcher on a real, small filesystem (a tmpfs): it stops the job with a
// reason that says what happened, not an errno it made up.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../test-support/root.js';
import { q, sh, shStatus } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { openFileSink } from '../endpoints/file/sink.js';
import { streamSink } from '../endpoints/stdio/sink.js';
import { ProgressTracker } from '../progress/progress-tracker.js';
import {
  DestinationNearlyFull,
  destinationReserve,
  isDiskFull,
  watchFreeSpace,
} from './destination-space.js';

const MiB = 2 ** 20;

describe.skipIf(!isRoot)(
  `the destination's free space (${isRoot ? 'root' : 'needs root: mounts a tmpfs'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let volume: string;

    beforeAll(async () => {
      dir = await tempDir();
      volume = join(dir.path, 'small');
      await sh(`mkdir ${q(volume)} && mount -t tmpfs -o size=32m spillway-test ${q(volume)}`);
    });

    afterAll(async () => {
      await shStatus(`umount ${q(volume)}`);
      await dir.remove();
    });

    it('keeps a reserve of 1% of the volume, between 16 MiB and 1 GiB', () => {
      expect(destinationReserve(100 * MiB)).toBe(16 * MiB);
      expect(destinationReserve(10_000 * MiB)).toBe(100 * MiB);
      expect(destinationReserve(10 ** 15)).toBe(1024 * MiB);
    });

    it('stops the job once the free space falls below the reserve, saying so', async () => {
      const image = join(volume, 'disk.img.zst');
      const sink = await openFileSink(image);
      const progress = new ProgressTracker('backup', () => {});
      const stop = new AbortController();
      const watch = await watchFreeSpace(sink, image, progress.counters, stop, (error) => {
        throw error;
      });
      try {
        // 32 MiB free at first: above the 16 MiB reserve, the job goes on.
        expect(stop.signal.aborted).toBe(false);
        expect(progress.counters.destinationFree).toBeGreaterThan(16 * MiB);
        await writeFile(join(volume, 'filler'), Buffer.alloc(20 * MiB, 1));
        await new Promise((resolve) => setTimeout(resolve, 2500));
        expect(stop.signal.aborted).toBe(true);
        const reason: unknown = stop.signal.reason;
        expect(reason).toBeInstanceOf(DestinationNearlyFull);
        expect((reason as DestinationNearlyFull).free).toBeLessThan(16 * MiB);
        expect((reason as DestinationNearlyFull).reserve).toBe(16 * MiB);
        expect(isDiskFull(reason)).toBe(true);
      } finally {
        watch.stop();
        await sink.abort();
      }
    });

    it('does not watch a stream destination', async () => {
      const stop = new AbortController();
      const progress = new ProgressTracker('backup', () => {});
      const stdout = streamSink(new PassThrough());
      const watch = await watchFreeSpace(stdout, null, progress.counters, stop, (error) => {
        throw error;
      });
      watch.stop();
      expect(stop.signal.aborted).toBe(false);
      expect(progress.counters.destinationFree).toBeNull();
    });
  },
);
