// How much of the time a stage is busy: reads in flight, workers compressing, the sink
// writing. Its total busy time, sampled by a RateMeter, gives the stage's utilization, and
// rate / utilization what the stage could do if it never waited: the bottleneck is the stage
// with the lowest such capacity.

export class BusyMeter {
  private active = 0;
  private since: number;
  private busyMs = 0;

  /** `capacity`: how many can be busy at once (e.g. the number of workers). */
  constructor(
    private readonly capacity = 1,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.since = clock();
  }

  begin(): void {
    this.accrue();
    this.active++;
  }

  end(): void {
    this.accrue();
    this.active = Math.max(0, this.active - 1);
  }

  /** Busy milliseconds so far (a fully busy pool of N counts N workers as 1). */
  total(): number {
    this.accrue();
    return this.busyMs;
  }

  private accrue(): void {
    const now = this.clock();
    this.busyMs += ((now - this.since) * Math.min(this.active, this.capacity)) / this.capacity;
    this.since = now;
  }
}
