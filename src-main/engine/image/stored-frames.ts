// An image's frames as stored (compressed), read in order and hashed, without decoding any:
// the check a restore makes when the image records storedFramesDigest. Frames of zeros
// compress to a few bytes each, so the image is read in large pieces that hold many frames,
// the next piece read while the current one is hashed.
//
// In an encrypted image, given a pool, the frames are read as the age chunks that hold them,
// a group of a few MiB at a time, and each group is opened and its frames hashed on a
// worker: the plaintext does not come back to this thread (copying it here cost more than
// hashing it), and the groups are opened on every core at once.

import { Xxh64 } from '@node-rs/xxhash';
import type { ImageInput, SealedChunks } from '../endpoints/image-input.js';
import type { IndexedFrame } from '../format/image-layout.js';
import { ReadAhead } from '../endpoints/read-ahead.js';
import type { CodecPool } from '../pool/codec-pool.js';
import { SlotArena } from '../pool/slot-arena.js';

/** Bytes read at once. Two pieces are held: the one hashed and the one being read. */
const PIECE = 16 * 2 ** 20;

/**
 * Calls `onFrame` with each frame's XXH64 (seed 0) of its stored bytes, frames in the order
 * given (mostly contiguous in the file, in increasing offsets), and `onRead` with the bytes read.
 */
export async function hashStoredFrames(
  input: ImageInput,
  frames: readonly IndexedFrame[],
  onFrame: (frame: IndexedFrame, digest: bigint) => void,
  onRead: (bytes: number) => void,
  signal: AbortSignal,
  pool?: CodecPool,
): Promise<void> {
  if (input.sealedChunks && pool) {
    return hashSealedFrames(input.sealedChunks, pool, frames, onFrame, onRead, signal);
  }
  const limit = frames.reduce((max, f) => Math.max(max, f.fileOffset + f.compressedSize), 0);
  const pieces = new ReadAhead(input, limit, onRead, PIECE);
  const hash = new Xxh64(0n);
  for (const frame of frames) {
    signal.throwIfAborted();
    let at = frame.fileOffset;
    const end = at + frame.compressedSize;
    while (at < end) {
      const piece = await pieces.at(at);
      const take = Math.min(end, piece.end) - at;
      hash.update(piece.bytes.subarray(at - piece.start, at - piece.start + take));
      at += take;
    }
    onFrame(frame, hash.digest());
    hash.reset(0n);
  }
}

/** Plain bytes of frames hashed per job on a worker (as many frames as fit, at least one).
 *  The chunk where two groups meet is opened by both: a few MiB make that a few percent. */
const GROUP = 4 * 2 ** 20;

/**
 * hashStoredFrames for an encrypted input: consecutive frames in groups of about GROUP bytes,
 * each group read sealed and opened and hashed on the pool, as many groups in flight as
 * keep every worker busy, their digests handed on in order.
 */
async function hashSealedFrames(
  sealed: SealedChunks,
  pool: CodecPool,
  frames: readonly IndexedFrame[],
  onFrame: (frame: IndexedFrame, digest: bigint) => void,
  onRead: (bytes: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const groups: Array<readonly IndexedFrame[]> = [];
  for (let i = 0; i < frames.length;) {
    const start = frames[i]!.fileOffset;
    let j = i + 1;
    while (
      j < frames.length &&
      frames[j]!.fileOffset >= frames[j - 1]!.fileOffset &&
      frames[j]!.fileOffset + frames[j]!.compressedSize - start <= GROUP
    ) {
      j++;
    }
    groups.push(frames.slice(i, j));
    i = j;
  }
  const span = (group: readonly IndexedFrame[]) =>
    group.at(-1)!.fileOffset + group.at(-1)!.compressedSize - group[0]!.fileOffset;
  const largest = groups.reduce((max, g) => Math.max(max, span(g)), 1);
  const inFlightMost = pool.depth + 2;
  const slots = new SlotArena(sealed.maxSealedBytes(largest), inFlightMost);

  const hashGroup = async (group: readonly IndexedFrame[]): Promise<BigUint64Array> => {
    const slot = await slots.acquire(signal);
    try {
      const start = group[0]!.fileOffset;
      const range = await sealed.readSealed(start, span(group), slot.bytes());
      onRead(span(group));
      const places = new Float64Array(group.length * 2);
      group.forEach((frame, i) => {
        places[2 * i] = range.skip + frame.fileOffset - start;
        places[2 * i + 1] = frame.compressedSize;
      });
      const hashed = await pool.hashSealedFrames(range, slot, range.sealedLength, places);
      if ('failedChunk' in hashed) throw sealed.damaged(hashed.failedChunk);
      sealed.noteOpened(range);
      return hashed.digests;
    } finally {
      slots.release(slot);
    }
  };

  const inFlight: Array<Promise<BigUint64Array>> = [];
  let next = 0;
  try {
    for (const group of groups) {
      signal.throwIfAborted();
      while (next < groups.length && inFlight.length < inFlightMost) {
        const pending = hashGroup(groups[next++]!);
        // Awaited in turn below; one that fails while an earlier one is awaited waits for it.
        pending.catch(() => {});
        inFlight.push(pending);
      }
      const digests = await inFlight.shift()!;
      group.forEach((frame, i) => onFrame(frame, digests[i]!));
    }
  } finally {
    await Promise.allSettled(inFlight);
    pool.forget(slots);
  }
}
