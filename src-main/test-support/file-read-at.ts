// A ReadAt over an image file (no compression in between), counting what is asked of it, so
// browse-reader tests can say how many reads an operation takes and how large they get.

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

export async function fileReadAt(path: string): Promise<FileReadAt> {
  const handle = await open(path, 'r');
  const size = (await handle.stat()).size;
  const counts: ReadCounts = { reads: 0, bytes: 0, largest: 0 };
  return {
    size,
    counts,
    read: async (position, length) => {
      counts.reads++;
      counts.bytes += length;
      counts.largest = Math.max(counts.largest, length);
      if (position < 0 || length < 0 || position + length > size) {
        throw new RangeError(`read of ${length} bytes at ${position} is outside the image`);
      }
      const buffer = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
        if (bytesRead === 0) throw new RangeError(`the image ended at byte ${position + done}`);
        done += bytesRead;
      }
      return buffer;
    },
    reset: () => Object.assign(counts, { reads: 0, bytes: 0, largest: 0 }),
    close: () => handle.close(),
  };
}
