// A worker thread's side of the shared arenas (slot-arena.ts): the arenas it was shown, and
// views of their slots as messages name them.

import type { AttachArena } from './codec-messages.js';
import type { SlotRef } from './slot-arena.js';

export class WorkerArenas {
  private readonly arenas = new Map<
    number,
    { memory: SharedArrayBuffer; slotBytes: number; stride: number }
  >();

  attach(message: AttachArena): void {
    const { memory, slotBytes, stride } = message;
    this.arenas.set(message.arena, { memory, slotBytes, stride });
  }

  detach(arena: number): void {
    this.arenas.delete(arena);
  }

  /** The slot `ref` names, its first `length` bytes. */
  view(ref: SlotRef, length = ref.length): Uint8Array {
    const arena = this.arenas.get(ref.arena);
    if (!arena) throw new Error(`arena ${ref.arena} was never attached`);
    if (length > arena.slotBytes) throw new Error('slot overflow');
    return new Uint8Array(arena.memory, ref.index * arena.stride, length);
  }
}
