// Counters a running job updates as bytes move, turned into progress events on a timer.
// Every figure in an event is measured here; nothing is estimated except the ETA, which comes
// from what is left and the measured rate of the stage it waits on.

import type { Remedy } from '../../../src-shared/errors.js';
import type {
  JobEvent,
  JobKind,
  Phase,
  ProgressEvent,
  SpillFigures,
} from '../../../src-shared/protocol/events.js';
import type { BottleneckWatch, StageTotals } from './bottleneck.js';
import { RateMeter } from './rate-meter.js';

export interface Counters {
  phase: Phase;
  /** Uncompressed stream: its size when known, and how much has gone all the way through. */
  streamTotal: number | null;
  streamDone: number;
  /** Source bytes read so far and still to read (null when unknown). */
  bytesRead: number;
  bytesToRead: number | null;
  /** Uncompressed bytes through the codec stage. */
  codecBytes: number;
  bytesWritten: number;
  /** Compressed and uncompressed totals the ratio is taken from. */
  ratioCompressed: number;
  ratioUncompressed: number;
  level: number | null;
  spill: SpillFigures | null;
  destinationFree: number | null;
}

export class ProgressTracker {
  readonly counters: Counters;
  private readonly startedAt: number;
  private readonly readMeter = new RateMeter();
  private readonly codecMeter = new RateMeter();
  private readonly writeMeter = new RateMeter();
  private readonly doneMeter = new RateMeter();
  private timer: NodeJS.Timeout | undefined;
  private stages: BottleneckWatch | null = null;
  private readonly samplers: Array<() => void> = [];

  constructor(
    private readonly job: JobKind,
    private readonly emit: (event: JobEvent) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
    this.counters = {
      phase: 'preparing',
      streamTotal: null,
      streamDone: 0,
      bytesRead: 0,
      bytesToRead: null,
      codecBytes: 0,
      bytesWritten: 0,
      ratioCompressed: 0,
      ratioUncompressed: 0,
      level: null,
      spill: null,
      destinationFree: null,
    };
  }

  get elapsedSeconds(): number {
    return (this.clock() - this.startedAt) / 1000;
  }

  /** Moves to a new phase: rates restart, since each phase moves different bytes. */
  phase(phase: Phase, message: string): void {
    // A phase may set its counters back to zero (restore's write, then read-back): a rate
    // taken across that would come out negative.
    for (const meter of [this.readMeter, this.codecMeter, this.writeMeter, this.doneMeter]) {
      meter.reset();
    }
    this.counters.phase = phase;
    this.emit({ type: 'phase', t: this.clock(), job: this.job, phase, message });
  }

  warn(message: string, remedy?: Remedy): void {
    this.emit({
      type: 'warning',
      t: this.clock(),
      job: this.job,
      message,
      ...(remedy ? { remedy } : {}),
    });
  }

  /** From now on, the bottleneck shown is the one the pipeline's watch measures. */
  watchStages(stages: BottleneckWatch): void {
    this.stages = stages;
  }

  /** Runs before every progress event, to refresh figures kept elsewhere (spill use...). */
  addSampler(sampler: () => void): void {
    this.samplers.push(sampler);
  }

  /** Emits a progress event every `intervalMs` until stop(). */
  start(intervalMs = 500): void {
    this.stop();
    this.timer = setInterval(() => this.emit(this.snapshot()), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and emits one last event with the final figures. */
  stop(final = false): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (final) this.emit(this.snapshot());
  }

  snapshot(): ProgressEvent {
    for (const sampler of this.samplers) sampler();
    const c = this.counters;
    const t = this.clock();
    this.readMeter.sample(t, c.bytesRead);
    this.codecMeter.sample(t, c.codecBytes);
    this.writeMeter.sample(t, c.bytesWritten);
    this.doneMeter.sample(t, c.streamDone);
    return {
      type: 'progress',
      t,
      job: this.job,
      phase: c.phase,
      elapsed: (t - this.startedAt) / 1000,
      streamTotal: c.streamTotal,
      streamDone: c.streamDone,
      bytesRead: c.bytesRead,
      bytesToRead: c.bytesToRead,
      bytesWritten: c.bytesWritten,
      readRate: this.readMeter.rate(),
      codecRate: this.codecMeter.rate(),
      writeRate: this.writeMeter.rate(),
      ratio: c.ratioCompressed > 0 ? c.ratioUncompressed / c.ratioCompressed : null,
      eta: this.eta(),
      bottleneck: this.stages?.current() ?? null,
      level: c.level,
      spill: c.spill,
      destinationFree: c.destinationFree,
    };
  }

  /** The longer of: reading what is left at the read rate, and finishing the stream at the
   *  rate the stream is finishing. */
  private eta(): number | null {
    const c = this.counters;
    const estimates: number[] = [];
    const readRate = this.readMeter.rate();
    if (c.bytesToRead !== null && readRate) {
      estimates.push(Math.max(0, c.bytesToRead - c.bytesRead) / readRate);
    }
    const doneRate = this.doneMeter.rate();
    if (c.streamTotal !== null && doneRate) {
      estimates.push(Math.max(0, c.streamTotal - c.streamDone) / doneRate);
    }
    return estimates.length > 0 ? Math.max(...estimates) : null;
  }
}

/** The uncompressed bytes each stage of a job has moved, from its counters. */
export function stageTotals(counters: Counters): StageTotals {
  return { read: counters.bytesRead, codec: counters.codecBytes, write: counters.streamDone };
}
