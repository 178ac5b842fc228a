// An image's frames as stored (compressed), read in order and hashed, without decoding any:
// the check a restore makes when the image records storedFramesDigest. Frames of zeros
// compress to a few bytes each, so the image is read in large chunks that hold many frames,
// the next chunk read while the current one is hashed.

import { Xxh64 } from '@node-rs/xxhash';
import type { ImageInput } from '../endpoints/image-input.js';
import type { IndexedFrame } from '../format/image-layout.js';

/** Bytes read at once. Two chunks are held: the one hashed and the one being read. */
const CHUNK = 16 * 2 ** 20;

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
): Promise<void> {
  const limit = frames.reduce((max, f) => Math.max(max, f.fileOffset + f.compressedSize), 0);
  const chunks = new ChunkReader(input, limit, onRead);
  const hash = new Xxh64(0n);
  for (const frame of frames) {
    signal.throwIfAborted();
    let at = frame.fileOffset;
    const end = at + frame.compressedSize;
    while (at < end) {
      const chunk = await chunks.at(at);
      const take = Math.min(end, chunk.end) - at;
      hash.update(chunk.bytes.subarray(at - chunk.start, at - chunk.start + take));
      at += take;
    }
    onFrame(frame, hash.digest());
    hash.reset(0n);
  }
}

interface Chunk {
  start: number;
  end: number;
  bytes: Buffer;
}

/** Reads [0, limit) of the input a chunk at a time, the next one read ahead. */
class ChunkReader {
  private readonly buffers = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
  private turn = 0;
  private current: Chunk | null = null;
  private ahead: { start: number; chunk: Promise<Chunk> } | null = null;

  constructor(
    private readonly input: ImageInput,
    private readonly limit: number,
    private readonly onRead: (bytes: number) => void,
  ) {}

  /** The chunk holding `position` (which must be below the limit). */
  async at(position: number): Promise<Chunk> {
    const current = this.current;
    if (current && current.start <= position && position < current.end) return current;
    let chunk: Chunk;
    if (this.ahead?.start === position) {
      chunk = await this.ahead.chunk;
    } else {
      // A read ahead of another place still fills a buffer: it must end before its reuse.
      await this.ahead?.chunk.catch(() => {});
      chunk = await this.read(position);
    }
    this.current = chunk;
    // The other buffer is free again: nothing holds the chunk before this one any more.
    this.ahead = null;
    if (chunk.end < this.limit) {
      const next = this.read(chunk.end);
      // Awaited when it is asked for; a failure nobody asks for (a cancelled check) is dropped.
      next.catch(() => {});
      this.ahead = { start: chunk.end, chunk: next };
    }
    return chunk;
  }

  private async read(start: number): Promise<Chunk> {
    const buffer = this.buffers[this.turn]!;
    this.turn = 1 - this.turn;
    const end = Math.min(this.limit, start + CHUNK);
    const bytes = buffer.subarray(0, end - start);
    await this.input.readInto(bytes, start);
    this.onRead(bytes.byteLength);
    return { start, end, bytes };
  }
}
