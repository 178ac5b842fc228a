// A ReadAt over an image file, as the browse readers get one from the image reader, that
// counts what it is asked for (so tests can say how many reads an operation takes and how
// large they get) and refuses what a reader must never ask: a read past the end, a negative
// or fractional position, more than `maxRead` bytes at once.

import { open } from 'node:fs/promises';
import type { ReadAt } from '../engine/read-at.js';

export interface ReadCounts {
  reads: number;
  bytes: number;
  largest: number;
}

export interface FileReadAt {
  read: ReadAt;
  size: number;
  counts: ReadCounts;
  /** Sets the counts back to zero. */
  reset(): void;
  close(): Promise<void>;
}

/** Checks one read against a volume of `size` bytes; throws a plain Error when it is wrong. */
export function checkRead(position: number, length: number, size: number, maxRead: number) {
  const whole = Number.isSafeInteger(position) && Number.isSafeInteger(length);
  if (!whole || position < 0 || length < 0 || position + length > size) {
    throw new Error(`read of ${length} bytes at ${position} outside the ${size}-byte volume`);
  }
  if (length > maxRead) throw new Error(`read of ${length} bytes (the cap is ${maxRead})`);
}

export async function openFileReadAt(path: string, maxRead = 2 ** 20): Promise<FileReadAt> {
  const handle = await open(path, 'r');
  const size = (await handle.stat()).size;
  const counts: ReadCounts = { reads: 0, bytes: 0, largest: 0 };
  const read: ReadAt = async (position, length) => {
    checkRead(position, length, size, maxRead);
    counts.reads++;
    counts.bytes += length;
    counts.largest = Math.max(counts.largest, length);
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) throw new Error(`the image ended at byte ${position + done}`);
      done += bytesRead;
    }
    return buffer;
  };
  return {
    read,
    size,
    counts,
    reset: () => Object.assign(counts, { reads: 0, bytes: 0, largest: 0 }),
    close: () => handle.close(),
  };
}
