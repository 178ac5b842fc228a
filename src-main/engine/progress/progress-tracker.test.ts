import { describe, expect, it } from 'vitest';
import type { JobEvent, ProgressEvent } from '../../../src-shared/protocol/events.js';
import { ProgressTracker } from './progress-tracker.js';

describe('ProgressTracker', () => {
  it('restarts its rates with each phase: counters set back to zero give no negative rate', () => {
    let now = 0;
    const events: JobEvent[] = [];
    const tracker = new ProgressTracker(
      'restore',
      (e) => events.push(e),
      () => now,
    );
    const c = tracker.counters;
    const tick = (ms: number, bytes: number) => {
      now += ms;
      c.bytesRead += bytes;
      c.codecBytes += bytes;
      c.bytesWritten += bytes;
      c.streamDone += bytes;
      return tracker.snapshot();
    };

    tracker.phase('writing', 'Writing');
    for (let i = 0; i < 4; i++) tick(500, 500e6);
    expect(tick(500, 500e6).writeRate).toBe(1e9);

    // Read-back counts its own bytes from zero.
    tracker.phase('verifying', 'Reading back');
    Object.assign(c, { bytesRead: 0, codecBytes: 0, bytesWritten: 0, streamDone: 0 });
    const after: ProgressEvent[] = [];
    for (let i = 0; i < 4; i++) after.push(tick(500, 100e6));
    for (const e of after) {
      for (const rate of [e.readRate, e.codecRate, e.writeRate]) {
        expect(rate === null || rate >= 0).toBe(true);
      }
    }
    expect(after.at(-1)!.readRate).toBe(200e6);
  });
});
