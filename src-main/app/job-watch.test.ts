// The main process's reading of job events: running count and progress for the taskbar, and
// the words of the notification at the end.

import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import { JobWatch } from './job-watch.js';

const progress = (done: number, total: number | null): JobEvent => ({
  type: 'progress',
  t: 0,
  job: 'backup',
  phase: 'reading',
  elapsed: 1,
  streamTotal: total,
  streamDone: done,
  bytesRead: done,
  bytesToRead: null,
  bytesWritten: 0,
  readRate: null,
  codecRate: null,
  writeRate: null,
  ratio: null,
  eta: null,
  bottleneck: null,
  level: null,
  spill: null,
  destinationFree: null,
});

describe('JobWatch', () => {
  it('tracks running jobs and their overall progress', () => {
    const watch = new JobWatch();
    expect(watch.running).toBe(0);
    expect(watch.progress).toBeNull();
    watch.take({ jobId: 'a', event: progress(25, 100) });
    watch.take({ jobId: 'b', event: progress(0, null) });
    expect(watch.running).toBe(2);
    expect(watch.progress).toBe(0.25);
    watch.take({ jobId: 'a', event: progress(75, 100) });
    expect(watch.progress).toBe(0.75);
  });

  it('says how a job ended, once', () => {
    const watch = new JobWatch();
    watch.take({ jobId: 'a', event: progress(1, 2) });
    const failed = watch.take({
      jobId: 'a',
      event: {
        type: 'error',
        t: 0,
        job: 'backup',
        error: { code: 'destination-full', message: 'The disk is full.' },
      },
    });
    expect(failed).toEqual({ title: 'Backup failed', body: 'The disk is full.' });
    expect(watch.running).toBe(0);
    const verified = watch.take({
      jobId: 'b',
      event: {
        type: 'done',
        t: 0,
        job: 'verify',
        result: {
          kind: 'verify',
          image: '/m/disk.img.zst',
          ok: true,
          checked: 'frames-and-stream-hash',
          size: 1,
          streamSha256: null,
          damage: [],
          seconds: 1,
        },
      },
    });
    expect(verified).toEqual({ title: 'Verify finished', body: '/m/disk.img.zst is intact.' });
  });
});
