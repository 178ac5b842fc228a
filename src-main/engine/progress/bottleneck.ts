// Which stage is the slowest: the one with the lowest capacity, where capacity is what the
// stage moved per second of being busy (rate / utilization), in uncompressed bytes so stages
// compare. A stage that is idle (finished, or starved) is not a candidate.

import type { Stage } from '../../../src-shared/protocol/events.js';

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
