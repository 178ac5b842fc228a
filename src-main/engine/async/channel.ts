// A bounded channel between two async loops: the producer's send() waits while the channel is
// full, the consumer's receive() waits while it is empty. This is how backpressure travels
// from the slowest stage back to the reader without anything growing in memory.

export class Channel<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: unknown = undefined;
  private failed = false;
  private readonly waitingSenders: Array<() => void> = [];
  private readonly waitingReceivers: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('channel capacity must be at least 1');
  }

  get length(): number {
    return this.items.length;
  }

  /** Waits for room, then adds the item. Throws the failure if the channel failed. */
  async send(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed && !this.failed) {
      await new Promise<void>((resolve) => this.waitingSenders.push(resolve));
    }
    if (this.failed) throw this.failure;
    if (this.closed) throw new Error('send on a closed channel');
    this.items.push(item);
    this.wake(this.waitingReceivers);
  }

  /** The next item, or undefined once the channel is closed and drained. */
  async receive(): Promise<T | undefined> {
    while (this.items.length === 0 && !this.closed && !this.failed) {
      await new Promise<void>((resolve) => this.waitingReceivers.push(resolve));
    }
    if (this.failed) throw this.failure;
    const item = this.items.shift();
    this.wake(this.waitingSenders);
    return item;
  }

  /** No more items will be sent; receivers drain what is left. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  /** Both sides see `error` at their next call; queued items are dropped. */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    this.items.length = 0;
    this.wakeAll();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = await this.receive();
      if (item === undefined) return;
      yield item;
    }
  }

  private wake(queue: Array<() => void>): void {
    queue.shift()?.();
  }

  private wakeAll(): void {
    for (const resolve of this.waitingSenders.splice(0)) resolve();
    for (const resolve of this.waitingReceivers.splice(0)) resolve();
  }
}
