// The live view's status is a pure function of the job's state: a job that ended says how,
// stops its bar where it is, shows no time left and no bottleneck, and keeps what it wrote.

import { describe, expect, it } from 'vitest';
import type { JobEvent, ProgressEvent } from '../../src-shared/protocol/events.js';
import { applyJobEvent, hasLine, liveStatus, newJobView, type JobView } from './job-view.js';

const MIB = 2 ** 20;

function progress(change: Partial<ProgressEvent>): ProgressEvent {
  return {
    type: 'progress',
    t: 0,
    job: 'restore',
    phase: 'writing',
    elapsed: 1,
    streamTotal: 400 * MIB,
    streamDone: 200 * MIB,
    bytesRead: 100 * MIB,
    bytesToRead: null,
    bytesWritten: 200 * MIB,
    readRate: 50 * MIB,
    codecRate: 80 * MIB,
    writeRate: 40 * MIB,
    ratio: 2,
    eta: 5,
    bottleneck: 'write',
    level: null,
    spill: null,
    destinationFree: null,
    ...change,
  };
}

function feed(view: JobView, events: JobEvent[]): JobView {
  return events.reduce(applyJobEvent, view);
}

const phase = (message: string): JobEvent => ({
  type: 'phase',
  t: 0,
  job: 'restore',
  phase: 'finishing',
  message,
});

describe('liveStatus', () => {
  it('while running: the phase, the fraction, time left and the bottleneck', () => {
    const view = feed(newJobView('j', 'restore', 'Restore'), [
      phase('Writing /dev/sdc'),
      progress({}),
    ]);
    expect(liveStatus(view)).toMatchObject({
      state: 'running',
      line: 'Writing /dev/sdc',
      fraction: 0.5,
      showEta: true,
      bottleneck: 'write',
      written: 200 * MIB,
    });
  });

  it('done: says so, a full bar, no time left, no bottleneck; written stays written after read-back', () => {
    const view = feed(newJobView('j', 'restore', 'Restore'), [
      progress({ bytesWritten: 400 * MIB, streamDone: 400 * MIB }),
      phase('Writing the index and manifest'),
      // Read-back starts its counters again.
      progress({ phase: 'verifying', bytesWritten: 0, streamDone: 10 * MIB, bottleneck: 'read' }),
      {
        type: 'done',
        t: 0,
        job: 'restore',
        result: {
          kind: 'restore',
          target: '/dev/sdc',
          bytesWritten: 400 * MIB,
          checked: 'stored-frames',
          readBack: true,
          seconds: 9,
          unused: [],
        },
      },
    ]);
    const status = liveStatus(view);
    expect(status).toMatchObject({
      state: 'done',
      line: 'Restore finished.',
      fraction: 1,
      showEta: false,
      bottleneck: null,
      written: 400 * MIB,
    });
    expect(status.line).not.toMatch(/index and manifest/);
  });

  it('failed: no phase under the error, the bar stands still where it stopped', () => {
    const view = feed(newJobView('j', 'backup', 'Back up'), [
      phase('Opening the image…'),
      progress({ job: 'backup', streamTotal: null }),
      {
        type: 'error',
        t: 0,
        job: 'backup',
        error: { code: 'destination-full', message: 'The disk is full.' },
      },
    ]);
    const status = liveStatus(view);
    expect(status.state).toBe('failed');
    expect(status.line).not.toMatch(/Opening/);
    expect(status.fraction).toBe(0);
    expect(status.showEta).toBe(false);
    expect(status.bottleneck).toBeNull();
  });

  it('cancelled is not a failure', () => {
    const view = feed(newJobView('j', 'backup', 'Back up'), [
      { type: 'error', t: 0, job: 'backup', error: { code: 'cancelled', message: 'Cancelled.' } },
    ]);
    expect(liveStatus(view)).toMatchObject({ state: 'cancelled', line: 'Cancelled.' });
  });

  it('a verify writes nothing: no write figure, no write line', () => {
    expect(liveStatus(newJobView('j', 'verify', 'Verify')).writes).toBe(false);
    expect(liveStatus(newJobView('j', 'backup', 'Back up')).writes).toBe(true);
  });
});

describe('hasLine', () => {
  const point = (t: number, read: number | null, spill: number | null = null) => ({
    t,
    read,
    write: null,
    spill,
  });

  it('a job over before any rate was known draws no chart, not empty axes', () => {
    const points = [point(0.7, null), point(1.4, null), point(2.2, null)];
    expect(hasLine(points, ['read', 'write'])).toBe(false);
  });

  it('two known points make a line; each chart asks for its own series', () => {
    const points = [point(1, null, 0), point(2, 40 * MIB, MIB), point(3, 50 * MIB, 2 * MIB)];
    expect(hasLine(points, ['read', 'write'])).toBe(true);
    expect(hasLine(points, ['spill'])).toBe(true);
    expect(hasLine(points.slice(0, 2), ['read'])).toBe(false);
  });
});
