// Decodes an indexed image's frames on the worker pool, several at once, and hands them out
// in order. A frame that cannot be decoded is reported as damage (with where it is in the
// drive and in the file) instead of ending the run, so verify can name every bad range.
// Frames live in shared slots: a frame's data is valid until the next frame is asked for.
// Each frame also comes with the XXH64 of its bytes as stored (compressed), taken as they are
// read: a restore compares it with what its check before writing saw.

import type { Damage } from '../../../src-shared/protocol/events.js';
import { settledLater } from '../async/settled-later.js';
import { frameXxh64 } from '../digest/frame-digests.js';
import { FrameCorruptError } from '../codecs/frame-codec.js';
import type { CodecPool } from '../pool/codec-pool.js';
import { SlotArena, type Slot } from '../pool/slot-arena.js';
import type { IndexedFrame, IndexedImage } from '../format/image-layout.js';

export type DecodedFrame = {
  frame: IndexedFrame;
  /** XXH64 of the frame's bytes as read from the image file. */
  stored: bigint;
} & ({ data: Buffer; damage: null } | { data: null; damage: Damage });

export function frameDamage(frame: IndexedFrame, reason: string): Damage {
  return {
    frame: frame.index,
    drive: [frame.driveOffset, frame.driveOffset + frame.size],
    file: [frame.fileOffset, frame.fileOffset + frame.compressedSize],
    reason,
  };
}

/** Memory for frames being decoded, per kind of slot, beyond the two each always gets. */
const DECODE_BUDGET = 256 * 2 ** 20;

export interface DecodeOptions {
  pool: CodecPool;
  signal: AbortSignal;
  /** Compressed bytes read from the image, for progress. */
  onRead?(bytes: number): void;
  /** Frames to decode; all by default. */
  frames?: IndexedFrame[];
}

export async function* decodeFrames(
  image: IndexedImage,
  options: DecodeOptions,
): AsyncGenerator<DecodedFrame> {
  const { pool, signal } = options;
  const frames = options.frames ?? image.frames;
  const maxInFlight = pool.depth + 2;
  const inFlight: Array<Promise<DecodedFrame & { slot: Slot | null }>> = [];
  const largest = (key: 'size' | 'compressedSize') =>
    frames.reduce((max, f) => Math.max(max, f[key]), 1);
  // One more output slot than frames in flight: the consumer holds one while it works. An
  // index may claim huge frames (a hostile file): fewer slots then, within a memory budget.
  const slotsFor = (bytes: number, wanted: number) =>
    Math.max(2, Math.min(wanted, Math.floor(DECODE_BUDGET / bytes)));
  const outputs = new SlotArena(largest('size'), slotsFor(largest('size'), maxInFlight + 1));
  const inputs = new SlotArena(
    largest('compressedSize'),
    slotsFor(largest('compressedSize'), maxInFlight),
  );

  const decodeOne = async (frame: IndexedFrame) => {
    const input = await inputs.acquire(signal);
    try {
      const bytes = input.bytes(frame.compressedSize);
      await image.input.readInto(bytes, frame.fileOffset);
      options.onRead?.(bytes.byteLength);
      const stored = frameXxh64(bytes);
      const output = await outputs.acquire(signal);
      try {
        const data = await pool.decompress(
          image.codec,
          input,
          bytes.byteLength,
          output,
          frame.size,
          frame.checksum,
        );
        return { frame, stored, data, damage: null, slot: output };
      } catch (error) {
        outputs.release(output);
        if (!(error instanceof FrameCorruptError)) throw error;
        return {
          frame,
          stored,
          data: null,
          damage: frameDamage(frame, error.message),
          slot: null,
        };
      }
    } finally {
      inputs.release(input);
    }
  };

  let next = 0;
  try {
    while (next < frames.length || inFlight.length > 0) {
      signal.throwIfAborted();
      while (next < frames.length && inFlight.length < maxInFlight) {
        inFlight.push(settledLater(decodeOne(frames[next++]!)));
      }
      const { slot, ...decoded } = await inFlight.shift()!;
      yield decoded as DecodedFrame;
      if (slot) outputs.release(slot);
    }
  } finally {
    await Promise.allSettled(inFlight);
    pool.forget(outputs);
    pool.forget(inputs);
  }
}
