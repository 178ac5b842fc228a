// Which stage is the slowest: the one with the lowest capacity, where capacity is what the
// stage moved per second of being busy (rate / utilization), in uncompressed bytes so stages
// compare. A stage that is idle (finished, or starved) is not a candidate.

import { STAGES, type Stage } from '../../../src-shared/protocol/events.js';
import type { BusyMeter } from './busy-meter.js';
import { RateMeter } from './rate-meter.js';

export interface StageLoad {
  /** Uncompressed-equivalent bytes per second over the recent window. */
  rate: number | null;
  /** Fraction of the recent window the stage was busy, 0..1. */
  utilization: number | null;
}

/** Utilization below this says too little about a stage's capacity to judge it. */
const MIN_UTILIZATION = 0.05;

export function pickBottleneck(loads: Record<Stage, StageLoad>): Stage | null {
  let slowest: Stage | null = null;
  let lowest = Infinity;
  for (const [stage, { rate, utilization }] of Object.entries(loads) as Array<[Stage, StageLoad]>) {
    if (!rate || utilization === null || utilization < MIN_UTILIZATION) continue;
    const capacity = rate / Math.min(1, utilization);
    if (capacity < lowest) {
      lowest = capacity;
      slowest = stage;
    }
  }
  return slowest;
}

/** How much each stage has moved so far, in uncompressed bytes (so stages compare). */
export type StageTotals = Record<Stage, number>;

/** Sampling more often than this says nothing new (a frame takes longer than that). */
const SAMPLE_MS = 100;

/**
 * The slowest stage, measured from the pipeline's own figures: each stage's busy meter and
 * the bytes it has moved, sampled whenever someone asks (at most every SAMPLE_MS), over a
 * window of a few seconds. The spill buffer's placement and the progress display read the
 * same answer, and neither depends on the other having run.
 */
export class BottleneckWatch {
  private readonly moved = {
    read: new RateMeter(),
    codec: new RateMeter(),
    write: new RateMeter(),
  };
  private readonly busy = { read: new RateMeter(), codec: new RateMeter(), write: new RateMeter() };
  private last: { t: number; stage: Stage | null } | null = null;
  private lastTotals: StageTotals | null = null;

  constructor(
    private readonly meters: Record<Stage, BusyMeter>,
    private readonly totals: () => StageTotals,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  current(): Stage | null {
    const t = this.clock();
    if (this.last && t - this.last.t < SAMPLE_MS) return this.last.stage;
    const totals = this.totals();
    const loads = {} as Record<Stage, StageLoad>;
    for (const stage of STAGES) {
      // A count that starts over (a new phase) would read as a negative rate.
      if (this.lastTotals && totals[stage] < this.lastTotals[stage]) this.moved[stage].reset();
      this.moved[stage].sample(t, totals[stage]);
      this.busy[stage].sample(t, this.meters[stage].total());
      const busyMsPerSecond = this.busy[stage].rate();
      loads[stage] = {
        rate: this.moved[stage].rate(),
        utilization: busyMsPerSecond === null ? null : busyMsPerSecond / 1000,
      };
    }
    this.lastTotals = totals;
    this.last = { t, stage: pickBottleneck(loads) };
    return this.last.stage;
  }
}
