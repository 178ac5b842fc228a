// What the main thread and a zstd stream worker (zstd-stream-worker.ts) tell each other.
//
// Slots go round in order: the worker fills slot n % slots, says so, and fills the next once
// the main thread has let go of enough of them. Letting go is a counter in shared memory
// (RELEASED) rather than a message: a message wakes the worker's event loop, which is busy
// decoding, and each wake-up of another thread costs more than a small copy on this VM.

/** Indexes into the control array (Int32Array over `control`). */
export const STOP = 0;
/** How many slots the main thread has let go of, counting from the first. */
export const RELEASED = 1;
export const CONTROL_WORDS = 2;

export interface StreamWorkerData {
  /** The local file to decode from its first byte, and its size when opened. */
  path: string;
  size: number;
  slotBytes: number;
  slots: number;
  memory: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export type StreamWorkerEvent =
  /** The next slot holds `length` decoded bytes; `consumed` compressed bytes read meanwhile. */
  | { op: 'slot'; length: number; consumed: number }
  /** The stream ended where a frame ended, every frame's checksum checked. */
  | { op: 'end' }
  | { op: 'failed'; message: string; code?: string };
