// Where the reader's next frame goes: the memory queue, a segment on disk, or nowhere yet
// (the reader waits). Pure: the spill buffer feeds it what it measured.

export interface SpillLimits {
  /** Most bytes the spill may hold on disk. */
  cap: number;
  /** Bytes that must stay free on the spill volume. */
  keepFree: number;
}

export interface SpillState {
  memoryFrames: number;
  memoryCapacity: number;
  /** Bytes the spill holds on disk now. */
  bytesOnDisk: number;
  /** Free bytes on the spill volume (last measured). */
  freeBytes: number;
  /** The disk refused a write (ENOSPC) and nothing has been freed since. */
  diskRefused: boolean;
  /**
   * The backlog comes from compressors that already keep every core busy. Spilling then
   * takes CPU from them (each spilled frame is written and read back, and the reader runs
   * ahead on the same cores), and the drive is released later, not sooner. Measured on 2
   * cores, 4 GiB fixture: released after 10.2 s spilling, 9.8 s not; the whole backup
   * took 20.7 s spilling, 7.4–12.4 s with this rule. The reader waits instead, until the
   * writer (a slow destination) is what holds things up again; spare cores (--threads
   * below the core count) spill as before.
   */
  codecBound: boolean;
  /**
   * The backlog comes from the image's writer, and the spill folder is on the disk it writes
   * to. Spilling then writes the backlog to the very disk that is behind (and reads it back
   * later): measured on a repeat backup (--base, 4 GiB, 986 of 1024 frames copied, the
   * writer the slowest stage), spilling cost 2.3–4 s of system CPU and 6–24% of the time.
   * The reader waits instead. A writer held back by something else (a write-rate cap, a
   * network) leaves the disk free, and the spill is used as before.
   */
  writerOnSpillDisk: boolean;
}

export type Placement = 'memory' | 'disk' | 'wait';

export function placeFrame(
  frameBytes: number,
  state: SpillState,
  limits: SpillLimits | null,
): Placement {
  if (state.memoryFrames < state.memoryCapacity) return 'memory';
  if (!limits || state.diskRefused || state.codecBound || state.writerOnSpillDisk) return 'wait';
  if (state.bytesOnDisk + frameBytes > limits.cap) return 'wait';
  if (state.freeBytes - frameBytes < limits.keepFree) return 'wait';
  return 'disk';
}

/** The default free-space floor: 5% of the volume or 2 GiB, whichever is more. */
export function defaultKeepFree(volumeBytes: number): number {
  return Math.max(Math.ceil(volumeBytes * 0.05), 2 * 2 ** 30);
}
