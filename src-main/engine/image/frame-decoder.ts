// Decodes an indexed image's frames on the worker pool, several at once, and hands them out
// in order. A frame that cannot be decoded is reported as damage (with where it is in the
// drive and in the file) instead of ending the run, so verify can name every bad range.
// Frames live in shared slots: a frame's data is valid until the next frame is asked for.
// Each frame also comes with the XXH64 of its bytes as stored (compressed), taken by the
// worker that decodes it: a restore compares it with what its check before writing saw.
//
// A frame of an encrypted image is read as the age chunks that hold it, still sealed, and
// the worker opens them (each authenticated first), hashes and decodes the frame in one job:
// the plaintext is never copied between threads, and the main thread, which writes, does
// none of that work. Small frames (of zeros, mostly) are read opened instead, so that the
// chunk a hundred of them share is opened once.

import type { Damage } from '../../../src-shared/protocol/events.js';
import { settledLater } from '../async/settled-later.js';
import type { SealedRange } from '../endpoints/image-input.js';
import { FrameCorruptError } from '../codecs/frame-codec.js';
import type { SealedFrame } from '../pool/codec-messages.js';
import type { CodecPool } from '../pool/codec-pool.js';
import { SlotArena, type Slot } from '../pool/slot-arena.js';
import type { IndexedFrame, IndexedImage } from '../format/image-layout.js';

export type DecodedFrame = {
  frame: IndexedFrame;
  /** XXH64 of the frame's bytes as read from the image file. */
  stored: bigint;
} & ({ data: Buffer; damage: null } | { data: null; damage: Damage });

/** What the worker needs to open a frame read sealed. */
function sealedFrame(range: SealedRange): SealedFrame {
  const { key, firstChunk, lastChunk, skip, length } = range;
  return { key, firstChunk, lastChunk, skip, length };
}

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
  const sealed = image.input.sealedChunks;
  const inputBytes = sealed
    ? sealed.maxSealedBytes(largest('compressedSize'))
    : largest('compressedSize');
  const inputs = new SlotArena(inputBytes, slotsFor(inputBytes, maxInFlight));

  const decodeOne = async (frame: IndexedFrame) => {
    const input = await inputs.acquire(signal);
    try {
      let length = frame.compressedSize;
      let range: SealedRange | undefined;
      if (sealed && frame.compressedSize >= sealed.smallestSealedRead) {
        range = await sealed.readSealed(frame.fileOffset, frame.compressedSize, input.bytes());
        length = range.sealedLength;
      } else {
        await image.input.readInto(input.bytes(length), frame.fileOffset);
      }
      options.onRead?.(frame.compressedSize);
      const output = await outputs.acquire(signal);
      try {
        const decoded = await pool.decodeFrame(
          image.codec,
          input,
          length,
          output,
          frame.size,
          frame.checksum,
          range && sealedFrame(range),
        );
        if ('failedChunk' in decoded) throw sealed!.damaged(decoded.failedChunk);
        if (range) sealed!.noteOpened(range);
        return {
          frame,
          stored: decoded.storedXxh64,
          data: decoded.data,
          damage: null,
          slot: output,
        };
      } catch (error) {
        outputs.release(output);
        if (!(error instanceof FrameCorruptError)) throw error;
        // Its chunks authenticated: the frame was damaged before it was encrypted.
        if (range) sealed!.noteOpened(range);
        return {
          frame,
          stored: error.storedXxh64 ?? 0n,
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
