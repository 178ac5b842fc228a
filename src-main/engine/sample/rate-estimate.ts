// A compression rate from timed runs of the same sample. One short run is noise: the first
// one pays for starting the codec, and on a shared machine any run can lose its core for a
// while (the wizard showed 44.7 then 3.0 MiB/s for the same setting). So the sample is run
// more than once, and the estimate is the middle run with the slowest and fastest beside it,
// all measured; nothing is multiplied by a guess.

/** One timed run: bytes compressed, by every thread of the pool, in this many seconds. */
export interface TimedRun {
  bytes: number;
  seconds: number;
}

export interface RateEstimate {
  /** The median run's rate, bytes per second. */
  bytesPerSecond: number;
  /** The slowest and the fastest run's rate. */
  range: [number, number];
  /** How many runs it is measured from. */
  runs: number;
}

/** The estimate from the runs that timed something; null when none did. */
export function rateEstimate(runs: TimedRun[]): RateEstimate | null {
  const rates = runs
    .filter((run) => run.seconds > 0 && run.bytes > 0)
    .map((run) => run.bytes / run.seconds)
    .sort((a, b) => a - b);
  if (rates.length === 0) return null;
  const middle = rates.length >> 1;
  const median =
    rates.length % 2 === 1 ? rates[middle]! : (rates[middle - 1]! + rates[middle]!) / 2;
  return {
    bytesPerSecond: median,
    range: [rates[0]!, rates[rates.length - 1]!],
    runs: rates.length,
  };
}

/**
 * Whether to time another run: always at least `minRuns`, then more until `budget` seconds
 * of timing are spent, never more than `maxRuns` (a slow codec gets fewer runs, not a wait).
 */
export function wantAnotherRun(
  runs: TimedRun[],
  options: { minRuns: number; maxRuns: number; budget: number },
): boolean {
  if (runs.length < options.minRuns) return true;
  if (runs.length >= options.maxRuns) return false;
  return runs.reduce((sum, run) => sum + run.seconds, 0) < options.budget;
}
