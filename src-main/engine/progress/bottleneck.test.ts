import { describe, expect, it } from 'vitest';
import { STAGES, type Stage } from '../../../src-shared/protocol/events.js';
import { BottleneckWatch, pickBottleneck } from './bottleneck.js';
import { BusyMeter } from './busy-meter.js';
import { ProgressTracker } from './progress-tracker.js';

describe('bottleneck', () => {
  it('names the stage that is busy all the time for the least throughput', () => {
    expect(
      pickBottleneck({
        read: { rate: 400e6, utilization: 0.3 },
        codec: { rate: 400e6, utilization: 1 },
        write: { rate: 400e6, utilization: 0.2 },
      }),
    ).toBe('codec');
  });

  it('names a slow writer even when the reader is busier (the spill absorbs the reader)', () => {
    expect(
      pickBottleneck({
        read: { rate: 1000e6, utilization: 0.9 },
        codec: { rate: 100e6, utilization: 0.1 },
        write: { rate: 100e6, utilization: 1 },
      }),
    ).toBe('write');
  });

  it('leaves out idle or finished stages, and says nothing without figures', () => {
    expect(
      pickBottleneck({
        read: { rate: 0, utilization: 0 },
        codec: { rate: 300e6, utilization: 0.5 },
        write: { rate: 300e6, utilization: 0.9 },
      }),
    ).toBe('write');
    expect(
      pickBottleneck({
        read: { rate: null, utilization: null },
        codec: { rate: null, utilization: null },
        write: { rate: null, utilization: null },
      }),
    ).toBeNull();
  });
});

describe('the bottleneck watch', () => {
  /** A pipeline of three stages on a clock the test moves. */
  function pipeline() {
    let now = 0;
    const clock = () => now;
    const meters = {
      read: new BusyMeter(1, clock),
      codec: new BusyMeter(2, clock),
      write: new BusyMeter(1, clock),
    };
    const totals = { read: 0, codec: 0, write: 0 };
    const watch = new BottleneckWatch(meters, () => ({ ...totals }), clock);
    /** 100 ms in which each stage was busy that fraction of the time and moved those bytes. */
    const step = (busy: Record<Stage, number>, moved: Record<Stage, number>) => {
      for (const stage of STAGES) {
        // Busy for the first part of the step (a pool of 2: both workers), idle after.
        const workers = stage === 'codec' ? 2 : 1;
        for (let i = 0; i < workers; i++) meters[stage].begin();
        now += 100 * busy[stage];
        for (let i = 0; i < workers; i++) meters[stage].end();
        now -= 100 * busy[stage];
        totals[stage] += moved[stage];
      }
      now += 100;
    };
    return { watch, step, totals };
  }

  it('names busy compressors from the pipeline’s own figures, with no display running', () => {
    const { watch, step } = pipeline();
    expect(watch.current()).toBeNull();
    for (let i = 0; i < 20; i++) {
      // Compressors busy all the time; the reader waits on them; the writer has room.
      step({ read: 0.4, codec: 1, write: 0.3 }, { read: 20e6, codec: 20e6, write: 20e6 });
      watch.current();
    }
    expect(watch.current()).toBe('codec');
  });

  it('names a slow destination as soon as the writer is what the others wait for', () => {
    const { watch, step } = pipeline();
    for (let i = 0; i < 40; i++) {
      step({ read: 0.9, codec: 0.2, write: 1 }, { read: 40e6, codec: 10e6, write: 10e6 });
      watch.current();
    }
    expect(watch.current()).toBe('write');
  });

  it('takes a count that starts over as a new start, not as a stage going backwards', () => {
    const { watch, step, totals } = pipeline();
    for (let i = 0; i < 20; i++) {
      step({ read: 0.4, codec: 1, write: 0.3 }, { read: 20e6, codec: 20e6, write: 20e6 });
      watch.current();
    }
    expect(watch.current()).toBe('codec');
    // A negative read rate would be the lowest capacity of all, and named.
    totals.read = 0;
    for (let i = 0; i < 5; i++) {
      step({ read: 0.4, codec: 1, write: 0.3 }, { read: 20e6, codec: 20e6, write: 20e6 });
      expect(watch.current()).toBe('codec');
    }
  });

  it('is what the progress display shows: the display computes nothing of its own', () => {
    const { watch, step } = pipeline();
    const tracker = new ProgressTracker('backup', () => {});
    tracker.watchStages(watch);
    for (let i = 0; i < 20; i++) {
      step({ read: 0.4, codec: 1, write: 0.3 }, { read: 20e6, codec: 20e6, write: 20e6 });
      // The spill buffer asks as frames arrive; the display has not run once.
      watch.current();
    }
    expect(watch.current()).toBe('codec');
    expect(tracker.snapshot().bottleneck).toBe('codec');
  });
});
