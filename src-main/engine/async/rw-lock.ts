// A read/write lock for async code: many shared holders, or one exclusive holder. A waiting
// exclusive request stops new shared holders from entering, so it is not starved.

export class RwLock {
  private shared = 0;
  private exclusive = false;
  private exclusiveWaiting = 0;
  private waiters: Array<() => void> = [];

  async withShared<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive || this.exclusiveWaiting > 0) await this.changed();
    this.shared++;
    try {
      return await work();
    } finally {
      this.shared--;
      this.notify();
    }
  }

  async withExclusive<T>(work: () => Promise<T>): Promise<T> {
    this.exclusiveWaiting++;
    try {
      while (this.exclusive || this.shared > 0) await this.changed();
    } finally {
      this.exclusiveWaiting--;
    }
    this.exclusive = true;
    try {
      return await work();
    } finally {
      this.exclusive = false;
      this.notify();
    }
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
