// The decoded frames a random-access reader keeps: a fixed number of slots in one shared
// arena (the codec workers decode straight into them), reused least recently used first.
// Memory is fixed when the reader opens, whatever the size of the image.
//
// A frame is decoded once however many readers ask for it at the same time: they all wait
// for the one decode. A slot is never taken from a frame while a reader is copying out of it
// (pins), and waiting for a slot never holds another one, so readers cannot block each other
// for good: every wait ends when a decode in flight ends.

import { SlotArena, type Slot } from '../pool/slot-arena.js';

interface Entry {
  slot: Slot;
  /** Settles when the frame's bytes are in the slot; rejects when they could not be. */
  ready: Promise<void>;
  settled: boolean;
  /** Readers waiting for or copying out of the frame: its slot is not reused meanwhile. */
  pins: number;
}

/** Puts frame bytes into a slot (reads and decodes them). */
export type FillSlot = (slot: Slot) => Promise<void>;

export class FrameCache {
  readonly arena: SlotArena;
  private readonly free: Slot[] = [];
  /** Frames kept or being filled, by frame number, least recently used first. */
  private readonly entries = new Map<number, Entry>();
  private waiters: Array<() => void> = [];

  constructor(slotBytes: number, slotCount: number) {
    this.arena = new SlotArena(slotBytes, slotCount);
    // Every slot is taken from the arena once, here: the cache hands them out itself.
    for (let slot = this.arena.tryAcquire(); slot; slot = this.arena.tryAcquire()) {
      this.free.push(slot);
    }
  }

  get slotCount(): number {
    return this.arena.slotCount;
  }

  /** Whether frame `index` is kept, or being decoded. */
  has(index: number): boolean {
    return this.entries.has(index);
  }

  /**
   * Calls `use` with the first `size` bytes of frame `index`, filling a slot with `fill`
   * first when the frame is not kept. The bytes are only valid during `use`, which must not
   * wait. `hit` says whether the frame was kept (or already being filled).
   */
  async use<T>(
    index: number,
    size: number,
    fill: FillSlot,
    use: (bytes: Buffer) => T,
  ): Promise<{ value: T; hit: boolean }> {
    let entry = this.touch(index);
    const hit = entry !== undefined;
    if (!entry) {
      const slot = await this.slot();
      // Another reader may have started the same frame while this one waited.
      entry = this.touch(index);
      if (entry) this.giveBack(slot);
      else entry = this.start(index, slot, fill);
    }
    entry.pins++;
    try {
      await entry.ready;
      return { value: use(entry.slot.bytes(size)), hit };
    } finally {
      entry.pins--;
      if (entry.pins === 0) this.wake();
    }
  }

  /**
   * Starts filling frame `index` without waiting, when a slot is free or can be reused right
   * away (read-ahead). Returns whether it started.
   */
  prefetch(index: number, fill: FillSlot): boolean {
    if (this.entries.has(index)) return false;
    const slot = this.slotNow();
    if (!slot) return false;
    this.start(index, slot, fill);
    return true;
  }

  private start(index: number, slot: Slot, fill: FillSlot): Entry {
    const entry: Entry = { slot, ready: Promise.resolve(), settled: false, pins: 0 };
    entry.ready = fill(slot).then(
      () => {
        entry.settled = true;
        this.wake();
      },
      (error: unknown) => {
        entry.settled = true;
        // A frame that failed is not kept: the next reader tries again.
        if (this.entries.get(index) === entry) this.entries.delete(index);
        this.giveBack(slot);
        throw error;
      },
    );
    // Read-ahead nobody waits for must not become an unhandled rejection.
    entry.ready.catch(() => {});
    this.entries.set(index, entry);
    return entry;
  }

  /** The entry of frame `index`, moved to the most recently used end. */
  private touch(index: number): Entry | undefined {
    const entry = this.entries.get(index);
    if (entry) {
      this.entries.delete(index);
      this.entries.set(index, entry);
    }
    return entry;
  }

  /** A slot: a free one, else the least recently used frame nobody is reading; else waits. */
  private async slot(): Promise<Slot> {
    for (;;) {
      const slot = this.slotNow();
      if (slot) return slot;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private slotNow(): Slot | null {
    const free = this.free.pop();
    if (free) return free;
    for (const [index, entry] of this.entries) {
      if (entry.pins === 0 && entry.settled) {
        this.entries.delete(index);
        return entry.slot;
      }
    }
    return null;
  }

  private giveBack(slot: Slot): void {
    this.free.push(slot);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
