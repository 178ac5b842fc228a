// Fixed-size slots in one SharedArrayBuffer that the main thread and every codec worker see.
// Each slot starts on a page boundary, as reads into it are fastest (io/page-aligned.ts).
// Frames live in slots from the moment they are read until they are written; messages to the
// workers carry only slot numbers. Nothing is allocated or moved per frame, so the garbage
// collector has nothing to chase (moving multi-MiB buffers between threads made V8 run a
// full collection every few frames), and memory is fixed when the job starts.
//
// acquire() waits while every slot is taken: a stage that runs ahead of the next one simply
// pauses until a slot comes back, which is backpressure for free.
//
// hold() lets another thread read a slot alongside the stages that pass it on (the stream
// digest reads each frame as the codec compresses it): the slot is handed out again only
// once the holder is done, whenever the stages release it.

import { pageAlignedSharedMemory, roundToPage } from '../io/page-aligned.js';

export interface Slot {
  readonly arena: SlotArena;
  readonly index: number;
  /** A view of the slot's first `length` bytes (its whole capacity by default). */
  bytes(length?: number): Buffer;
}

/** How a message names a slot and how many of its bytes matter. */
export interface SlotRef {
  arena: number;
  index: number;
  length: number;
}

let nextArenaId = 1;

export class SlotArena {
  readonly id = nextArenaId++;
  readonly memory: SharedArrayBuffer;
  /** Where one slot begins after the one before: slotBytes rounded up to whole pages. */
  readonly stride: number;
  private readonly slots: Slot[];
  private readonly free: number[];
  private readonly waiting: Array<{ resolve: (slot: Slot) => void; reject: (e: unknown) => void }> =
    [];
  /** Slots still being read elsewhere: settles (never rejects) when that is done. */
  private readonly holds = new Map<number, Promise<void>>();

  constructor(
    readonly slotBytes: number,
    readonly slotCount: number,
  ) {
    if (!(slotBytes > 0 && slotCount > 0)) throw new RangeError('an arena needs slots');
    this.stride = roundToPage(slotBytes);
    this.memory = pageAlignedSharedMemory(this.stride * slotCount);
    this.slots = Array.from({ length: slotCount }, (_, index) => ({
      arena: this,
      index,
      bytes: (length = slotBytes) => {
        if (length > slotBytes) throw new RangeError(`${length} bytes do not fit in a slot`);
        return Buffer.from(this.memory, index * this.stride, length);
      },
    }));
    this.free = this.slots.map((_, i) => slotCount - 1 - i);
  }

  get available(): number {
    return this.free.length;
  }

  /**
   * A free slot; waits for one to be released when all are taken. `signal` ends the wait:
   * when another stage fails, nobody may ever release a slot again.
   */
  acquire(signal?: AbortSignal): Promise<Slot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const index = this.free.pop();
    if (index !== undefined) return Promise.resolve(this.slots[index]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (slot: Slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        reject,
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** A free slot now, or null when all are taken (for owners that keep slots themselves). */
  tryAcquire(): Slot | null {
    const index = this.free.pop();
    return index === undefined ? null : this.slots[index]!;
  }

  /**
   * Keeps `slot` from being handed out again until `reading` settles, even once released.
   * One hold per slot at a time.
   */
  hold(slot: Slot, reading: Promise<unknown>): void {
    if (this.holds.has(slot.index)) throw new Error('slot is already held');
    const done: Promise<void> = reading.then(
      () => this.unhold(slot, done),
      () => this.unhold(slot, done),
    );
    this.holds.set(slot.index, done);
  }

  release(slot: Slot): void {
    if (slot.arena !== this) throw new Error('slot released to the wrong arena');
    const held = this.holds.get(slot.index);
    if (held) void held.then(() => this.handOut(slot));
    else this.handOut(slot);
  }

  private unhold(slot: Slot, hold: Promise<void>): void {
    if (this.holds.get(slot.index) === hold) this.holds.delete(slot.index);
  }

  private handOut(slot: Slot): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(slot);
    else this.free.push(slot.index);
  }

  ref(slot: Slot, length: number): SlotRef {
    return { arena: this.id, index: slot.index, length };
  }
}
