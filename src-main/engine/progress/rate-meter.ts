// A rate measured over the last few seconds of a growing counter: recent enough to show a
// drive slowing down, long enough not to jitter with every frame.

export class RateMeter {
  private readonly samples: Array<{ t: number; value: number }> = [];

  constructor(private readonly windowMs = 3000) {}

  /** Records the counter's current total at time t (ms). */
  sample(t: number, value: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && t <= last.t) {
      last.value = value;
      return;
    }
    this.samples.push({ t, value });
    // Keep one sample older than the window, so the window is always covered.
    while (this.samples.length > 2 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift();
  }

  /** Forgets every sample: the counter starts over (a new phase counts other bytes). */
  reset(): void {
    this.samples.length = 0;
  }

  /** Units per second over the window; null until at least 250 ms were seen. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 250) return null;
    return ((last.value - first.value) * 1000) / (last.t - first.t);
  }
}
