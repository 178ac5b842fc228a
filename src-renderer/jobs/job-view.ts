// One job as the UI draws it, built from its events by a pure reducer: the latest progress,
// a time series for the charts, the phase in words, warnings, and how it ended.

import type {
  JobKind,
  JobEvent,
  JobResult,
  ProgressEvent,
  WarningEvent,
  Stage,
} from '../../src-shared/protocol/events.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { appRemedy } from '../words/error-words.js';

/** A warning, with what to do about it in the app when there is something. */
function warningWords(event: WarningEvent): string {
  return event.remedy ? `${event.message} ${appRemedy(event.remedy)}` : event.message;
}

/** One point of the live charts: seconds since the start, rates in bytes/s, spill bytes. */
export interface ChartPoint {
  t: number;
  read: number | null;
  write: number | null;
  spill: number | null;
}

export type JobOutcome =
  | { state: 'running' }
  | { state: 'done'; result: JobResult }
  | { state: 'failed'; error: ErrorInfo };

export interface JobView {
  jobId: string;
  kind: JobKind;
  /** "Back up /dev/sdb", as the user started it. */
  title: string;
  phaseMessage: string | null;
  progress: ProgressEvent | null;
  points: ChartPoint[];
  warnings: string[];
  outcome: JobOutcome;
  /** The most bytes written so far: a restore's read-back starts its counters again, and
   *  what was written stays written. */
  written: number;
}

/** Charts keep at most this many points; older ones are thinned, never the newest. */
export const MAX_POINTS = 1200;

export function newJobView(jobId: string, kind: JobKind, title: string): JobView {
  return {
    jobId,
    kind,
    title,
    phaseMessage: null,
    progress: null,
    points: [],
    warnings: [],
    outcome: { state: 'running' },
    written: 0,
  };
}

/**
 * Whether a chart of these series has a line to draw: two points where one of them is known.
 * A rate needs a moment of samples, so a job over in a second or two may have none, and axes
 * with no line in them say nothing (or, worse, look like a speed of nothing).
 */
export function hasLine(points: ChartPoint[], keys: Array<'read' | 'write' | 'spill'>): boolean {
  return points.filter((p) => keys.some((k) => p[k] !== null)).length >= 2;
}

/** Halves the older half of the series when it is full: long jobs keep their whole shape. */
export function appendPoint(points: ChartPoint[], point: ChartPoint): ChartPoint[] {
  if (points.length < MAX_POINTS) return [...points, point];
  const half = Math.floor(points.length / 2);
  const thinned = points.slice(0, half).filter((_, i) => i % 2 === 0);
  return [...thinned, ...points.slice(half), point];
}

export function applyJobEvent(view: JobView, event: JobEvent): JobView {
  switch (event.type) {
    case 'progress':
      return {
        ...view,
        progress: event,
        written: Math.max(view.written, event.bytesWritten),
        points: appendPoint(view.points, {
          t: event.elapsed,
          read: event.readRate,
          write: event.writeRate,
          spill: event.spill?.bytes ?? null,
        }),
      };
    case 'phase':
      return { ...view, phaseMessage: event.message };
    case 'warning':
      return { ...view, warnings: [...view.warnings, warningWords(event)].slice(-20) };
    case 'done':
      return { ...view, outcome: { state: 'done', result: event.result } };
    case 'error':
      return { ...view, outcome: { state: 'failed', error: event.error } };
  }
}

/** How far the job is, 0..1, when it can be known. */
export function fractionDone(progress: ProgressEvent | null): number | null {
  if (!progress || !progress.streamTotal) return null;
  return Math.min(1, progress.streamDone / progress.streamTotal);
}

/** What the live view says and draws, from the job's state alone: a job that ended says how,
 *  and nothing of it moves any more. */
export interface LiveStatus {
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** The line under the title: what is happening now, or how it ended. */
  line: string;
  /** The bar: 0..1, or null for "not known yet" (drawn moving, only while running). */
  fraction: number | null;
  /** Seconds left, shown only while running. */
  showEta: boolean;
  /** Bytes written, as much as ever was. */
  written: number;
  /** The stage holding the others back, only while running. */
  bottleneck: Stage | null;
  /** Whether the job writes at all (verify does not: no write figure, no write line). */
  writes: boolean;
}

const ENDED_WORDS: Record<JobKind, string> = {
  backup: 'Backup finished.',
  restore: 'Restore finished.',
  verify: 'Verify finished.',
  pipe: 'Finished.',
  recompress: 'Recompress finished.',
  extract: 'Copying finished.',
  clone: 'Clone finished.',
};

export function liveStatus(view: JobView): LiveStatus {
  const { outcome, progress } = view;
  const writes = view.kind !== 'verify';
  const written = Math.max(view.written, progress?.bytesWritten ?? 0);
  if (outcome.state === 'running') {
    return {
      state: 'running',
      line: view.phaseMessage ?? 'Starting…',
      fraction: fractionDone(progress),
      showEta: true,
      written,
      bottleneck: progress?.bottleneck ?? null,
      writes,
    };
  }
  if (outcome.state === 'done') {
    const result = outcome.result;
    return {
      state: 'done',
      line: ENDED_WORDS[view.kind],
      fraction: 1,
      showEta: false,
      written: result.kind === 'restore' ? Math.max(written, result.bytesWritten) : written,
      bottleneck: null,
      writes,
    };
  }
  const cancelled = outcome.error.code === 'cancelled';
  return {
    state: cancelled ? 'cancelled' : 'failed',
    line: cancelled ? 'Cancelled.' : 'Stopped: it did not finish.',
    // Where it stopped, standing still.
    fraction: fractionDone(progress) ?? 0,
    showEta: false,
    written,
    bottleneck: null,
    writes,
  };
}
