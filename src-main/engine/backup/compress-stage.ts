// The codec stage of a backup: frames go to the worker pool as they arrive, enough in flight
// that every worker has its next frame queued and a finished one can wait its turn to be
// written, and come out in order to the writer. Each frame's slot is released as soon as it
// is compressed; each output slot once its bytes are written.

import type { CodecName } from '../../../src-shared/manifest.js';
import { settledLater } from '../async/settled-later.js';
import type { RawFrame } from '../frames/frame.js';
import type { CodecPool, CompressedFrame } from '../pool/codec-pool.js';
import type { Slot, SlotArena } from '../pool/slot-arena.js';

/** The earlier image a backup takes unchanged frames from (backup/base-image.ts). */
export interface BaseFrames {
  /** Slots for the base's stored frames (capacity: the largest stored frame). */
  readonly arena: SlotArena;
  /**
   * Reads the base's frame `index` into `slot`: its stored length, recorded hash and index
   * checksum; null when the base has no usable frame there (none of `frameBytes` bytes).
   */
  read(
    index: number,
    slot: Slot,
    frameBytes: number,
  ): Promise<{
    length: number;
    hash: Uint8Array;
    checksum: number | null;
    storedXxh64?: bigint;
  } | null>;
}

/** A frame ready for the writer, in frame order. */
export interface FrameOut extends CompressedFrame {
  /** Uncompressed bytes. */
  frameBytes: number;
  level: number;
}

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
  /** Called in frame order with each compressed (or reused) frame. */
  onFrame(frame: FrameOut): Promise<void>;
  /** Frames whose base frame holds the same bytes are not compressed: its bytes stand. */
  base?: BaseFrames;
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
  type Done = { out: FrameOut; outputSlot: Slot; baseSlot: Slot | null };
  const inFlight: Array<Promise<Done>> = [];
  const base = options.base;

  const writeOldest = async () => {
    const { out, outputSlot, baseSlot } = await inFlight.shift()!;
    try {
      await options.onFrame(out);
    } finally {
      options.outputs.release(outputSlot);
      if (baseSlot) base!.arena.release(baseSlot);
    }
  };

  /** Compresses one frame, or reuses the base's frame when it holds the same bytes. */
  const compress = async (
    frame: RawFrame,
    bytes: number,
    level: number,
    outputSlot: Slot,
    baseSlot: Slot | null,
  ): Promise<Done> => {
    const stored = baseSlot ? await base!.read(frame.index, baseSlot, bytes) : null;
    const done = await pool.compress(
      options.codec,
      level,
      frame.slot,
      bytes,
      outputSlot,
      stored && baseSlot ? { ...stored, stored: baseSlot, storedLength: stored.length } : undefined,
      frame.zeros ?? false,
    );
    // A reused frame passed the codec stage too (hashed, its base frame decoded).
    options.onCompressed?.(bytes);
    return { out: { ...done, frameBytes: bytes, level }, outputSlot, baseSlot };
  };

  try {
    for await (const frame of frames) {
      options.signal.throwIfAborted();
      // The frame's buffer moves to the worker: take its length first.
      const bytes = frame.data.byteLength;
      const level = levelFor();
      const outputSlot = await options.outputs.acquire(options.signal);
      const baseSlot = base ? await base.arena.acquire(options.signal) : null;
      const job = compress(frame, bytes, level, outputSlot, baseSlot).finally(() =>
        frame.slot.arena.release(frame.slot),
      );
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
