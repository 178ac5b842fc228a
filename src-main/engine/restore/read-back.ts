// Read-back after a restore: the drive is read again and the SHA-256 of the whole stream is
// recomputed from it, taking zeros where nothing was written ("don't care" ranges hold the
// target's old bytes, and the image holds zeros there). Equal to the image's SHA-256, it
// proves at once that every written byte landed and that the image was what its manifest
// says. When it differs, a second pass compares block by block to name where.

import { createHash } from 'node:crypto';
import { settledLater } from '../async/settled-later.js';
import { SpillwayError } from '../errors.js';
import type { Counters } from '../progress/progress-tracker.js';
import { clip, type ByteRange } from '../ranges.js';
import type { RestoreTarget } from './restore-target.js';

const CHUNK = 4 * 2 ** 20;
const READ_AHEAD = 4;

export interface ReadBackInput {
  target: RestoreTarget;
  /** Bytes of the stream (the image's payload). */
  size: number;
  /** Normalized ranges that were written; the rest is hashed as zeros. */
  written: ByteRange[];
  /** The SHA-256 (hex) the stream must have. */
  expectedSha256: string;
  counters: Counters;
  signal: AbortSignal;
}

/** Reads one chunk of the stream as the target now holds it. */
async function readChunk(
  target: RestoreTarget,
  buffer: Buffer,
  start: number,
  written: ByteRange[],
): Promise<number> {
  buffer.fill(0);
  let read = 0;
  for (const [a, b] of clip(written, start, start + buffer.byteLength)) {
    const piece = await target.read(b - a, a);
    piece.copy(buffer, a - start);
    read += b - a;
  }
  return read;
}

/** True when the target's stream hashes to the expected SHA-256. */
export async function readBackMatches(input: ReadBackInput): Promise<boolean> {
  const { target, size, written, counters, signal } = input;
  const hash = createHash('sha256');
  const ring = Array.from({ length: READ_AHEAD + 1 }, () => Buffer.allocUnsafeSlow(CHUNK));
  const chunks = Math.ceil(size / CHUNK);
  const inFlight: Array<Promise<{ buffer: Buffer; read: number }>> = [];
  let next = 0;
  try {
    for (let i = 0; i < chunks; i++) {
      signal.throwIfAborted();
      while (next < chunks && inFlight.length < READ_AHEAD) {
        const start = next * CHUNK;
        const buffer = ring[next % ring.length]!.subarray(0, Math.min(CHUNK, size - start));
        next++;
        inFlight.push(
          settledLater(
            readChunk(target, buffer, start, written).then((read) => ({ buffer, read })),
          ),
        );
      }
      const { buffer, read } = await inFlight.shift()!;
      hash.update(buffer);
      counters.bytesRead += read;
      counters.streamDone += buffer.byteLength;
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
  return hash.digest('hex') === input.expectedSha256;
}

/** Compares the image's blocks with the target; the first range that differs, or null. */
export async function firstDifference(
  target: RestoreTarget,
  blocks: AsyncIterable<{ offset: number; data: Buffer }>,
  written: ByteRange[],
): Promise<ByteRange | null> {
  for await (const { offset, data } of blocks) {
    for (const [a, b] of clip(written, offset, offset + data.byteLength)) {
      const onTarget = await target.read(b - a, a);
      if (!onTarget.equals(data.subarray(a - offset, b - offset))) return [a, b];
    }
  }
  return null;
}

export function readBackError(path: string, range: ByteRange | null): SpillwayError {
  return range
    ? new SpillwayError(
        'readback-mismatch',
        `${path} did not read back what was written at bytes ${range[0]}–${range[1]}.`,
        { hint: 'The drive may be failing: try again, or use another drive.' },
      )
    : new SpillwayError(
        'image-damaged',
        `What was written matches the image, but the image's SHA-256 is not the one it records: ` +
          'the image is damaged (frames swapped or replaced).',
        { hint: 'Use another copy of the image if you have one.' },
      );
}
