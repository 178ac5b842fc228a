// The codec stage of a backup: frames go to the worker pool as they arrive, enough in flight
// that every worker has its next frame queued and a finished one can wait its turn to be
// written, and come out in order to the writer. Each frame's slot is released as soon as it
// is compressed; each output slot once its bytes are written.

import type { CodecName } from '../../../src-shared/manifest.js';
import { settledLater } from '../async/settled-later.js';
import type { RawFrame } from '../frames/frame.js';
import type { CodecPool } from '../pool/codec-pool.js';
import type { Slot, SlotArena } from '../pool/slot-arena.js';

/** Frames at the codec stage at once: queued at the workers, plus two waiting to be written. */
export function maxFramesInFlight(pool: CodecPool): number {
  return pool.depth + 2;
}

export interface CompressOptions {
  codec: CodecName;
  /** The level for the next frame (asked per frame, so it may change as the job runs). */
  level: number | (() => number);
  /** Slots for compressed frames (capacity: compressBound of a frame). */
  outputs: SlotArena;
  signal: AbortSignal;
  /** Called in frame order with each compressed frame and the codec's checksum of it. */
  onFrame(
    compressed: Uint8Array,
    checksum: number | null,
    frameBytes: number,
    level: number,
  ): Promise<void>;
  /** Called as soon as a frame is compressed (in any order), for the codec rate. */
  onCompressed?(frameBytes: number): void;
}

export async function compressInOrder(
  frames: AsyncIterable<RawFrame>,
  pool: CodecPool,
  options: CompressOptions,
): Promise<void> {
  const levelFor =
    typeof options.level === 'number' ? () => options.level as number : options.level;
  const maxInFlight = maxFramesInFlight(pool);
  type Done = {
    compressed: Buffer;
    checksum: number | null;
    outputSlot: Slot;
    bytes: number;
    level: number;
  };
  const inFlight: Array<Promise<Done>> = [];

  const writeOldest = async () => {
    const { compressed, checksum, outputSlot, bytes, level } = await inFlight.shift()!;
    await options.onFrame(compressed, checksum, bytes, level);
    options.outputs.release(outputSlot);
  };

  try {
    for await (const frame of frames) {
      options.signal.throwIfAborted();
      // The frame's buffer moves to the worker: take its length first.
      const bytes = frame.data.byteLength;
      const level = levelFor();
      const outputSlot = await options.outputs.acquire(options.signal);
      const job = pool
        .compress(options.codec, level, frame.slot, bytes, outputSlot)
        .then(({ bytes: compressed, checksum }) => {
          options.onCompressed?.(bytes);
          return { compressed, checksum, outputSlot, bytes, level };
        })
        .finally(() => frame.slot.arena.release(frame.slot));
      inFlight.push(settledLater(job));
      if (inFlight.length >= maxInFlight) await writeOldest();
    }
    while (inFlight.length > 0) await writeOldest();
  } finally {
    // Cancelled: do not wait for frames still being compressed (an xz frame takes seconds);
    // closing the pool ends them, and nothing reuses their slots.
    if (!options.signal.aborted) await Promise.allSettled(inFlight);
  }
}
