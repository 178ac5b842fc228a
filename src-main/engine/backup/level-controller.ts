// Adaptive compression level (--adapt): each frame's level follows the backlog, as zstd
// --adapt follows its output. A backlog that keeps growing means the compressors cannot keep
// up: a faster level. No backlog and compressors that wait for work means there is CPU to
// spare: a stronger level. One step at a time, at most once per `stepMs`, so a passing stall
// does not swing the level; the backlog rule wins when both apply.

import type { BusyMeter } from '../progress/busy-meter.js';

export interface AdaptiveRange {
  min: number;
  max: number;
}

export interface LevelObservation {
  /** ms, monotonic */
  t: number;
  /** Frames waiting between reader and compressors (memory and spill). */
  backlog: number;
  /** Fraction of the workers busy recently, 0..1, or null when not known yet. */
  codecUtilization: number | null;
}

export class LevelController {
  private level: number;
  private lastChange = -Infinity;
  private backlogAtChange = 0;

  constructor(
    private readonly range: AdaptiveRange,
    start: number,
    /** Frames of backlog that count as "growing" (about two per worker). */
    private readonly highWater: number,
    private readonly stepMs = 500,
  ) {
    this.level = Math.min(range.max, Math.max(range.min, start));
  }

  get current(): number {
    return this.level;
  }

  /** The level for the next frame. */
  next(observation: LevelObservation): number {
    const { t, backlog, codecUtilization } = observation;
    if (t - this.lastChange < this.stepMs) return this.level;
    if (backlog >= this.highWater && backlog > this.backlogAtChange) {
      this.step(-1, t, backlog);
    } else if (backlog <= 1 && codecUtilization !== null && codecUtilization < 0.75) {
      this.step(+1, t, backlog);
    }
    return this.level;
  }

  private step(direction: -1 | 1, t: number, backlog: number): void {
    const next = Math.min(this.range.max, Math.max(this.range.min, this.level + direction));
    this.lastChange = t;
    this.backlogAtChange = backlog;
    this.level = next;
  }
}

/** The workers' recent utilization, from the pool's busy meter, for the level controller. */
export class CodecUtilization {
  private lastT = performance.now();
  private lastBusy = 0;
  private value: number | null = null;

  constructor(private readonly busy: BusyMeter) {}

  sample(t: number): number | null {
    if (t - this.lastT >= 250) {
      const busy = this.busy.total();
      this.value = (busy - this.lastBusy) / (t - this.lastT);
      this.lastT = t;
      this.lastBusy = busy;
    }
    return this.value;
  }
}
