// Reads a split image (NAME.000, NAME.001, …) as the one stream it is. Every part must be
// there and every part but the last must have the same size; otherwise the error names the
// part that is missing or wrong, before anything is read.

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SpillwayError } from '../../errors.js';
import { checkReadRange, withRead, type ImageInput } from '../image-input.js';
import { readFully } from '../../io/file-io.js';
import { existingParts, partPath } from './part-names.js';

interface Part {
  path: string;
  handle: FileHandle;
  /** Where the part starts in the stream. */
  start: number;
  size: number;
}

/** Opens the parts of `image`, or returns null when there are none. */
export async function openSplitInput(image: string): Promise<ImageInput | null> {
  const found = await existingParts(image);
  if (found.size === 0) return null;
  const last = Math.max(...found.keys());
  for (let i = 0; i <= last; i++) {
    if (!found.has(i)) {
      throw new SpillwayError(
        'image-part-missing',
        `${partPath(image, i)} is missing: ${image} is split into ${last + 1} or more parts and needs every one.`,
        { facts: { image, part: basename(partPath(image, i)) }, remedy: 'find-missing-part' },
      );
    }
  }
  const sizes = await Promise.all(
    [...Array(last + 1).keys()].map(async (i) => {
      return (await stat(partPath(image, i))).size;
    }),
  );
  const partSize = sizes[0]!;
  sizes.forEach((size, i) => {
    const wrong = i < last ? size !== partSize : size > partSize || size === 0;
    if (wrong) {
      throw new SpillwayError(
        'image-damaged',
        `${partPath(image, i)} does not have the size of the other parts (${size} bytes, not ${partSize}): it was cut short or belongs to another image.`,
      );
    }
  });
  const parts: Part[] = [];
  try {
    for (let i = 0; i <= last; i++) {
      const path = partPath(image, i);
      parts.push({ path, handle: await open(path, 'r'), start: i * partSize, size: sizes[i]! });
    }
  } catch (error) {
    await Promise.all(parts.map((part) => part.handle.close()));
    throw error;
  }
  const size = sizes.reduce((sum, n) => sum + n, 0);
  return withRead({
    path: image,
    size,
    files: parts.map((part) => part.path),
    async readInto(target, position) {
      checkReadRange(image, size, position, target.byteLength);
      let done = 0;
      while (done < target.byteLength) {
        const at = position + done;
        const part = parts[Math.floor(at / partSize)]!;
        const n = Math.min(target.byteLength - done, part.start + part.size - at);
        const piece = target.subarray(done, done + n);
        if ((await readFully(part.handle, piece, at - part.start)) !== n) {
          throw new SpillwayError('image-truncated', `${part.path} ended while being read.`);
        }
        done += n;
      }
    },
    stream(start = 0) {
      return Readable.from(
        (async function* () {
          for (const part of parts) {
            if (part.start + part.size <= start) continue;
            const from = Math.max(0, start - part.start);
            yield* createReadStream(part.path, { start: from, highWaterMark: 1 << 20 });
          }
        })(),
      );
    },
    async close() {
      await Promise.all(parts.map((part) => part.handle.close()));
    },
  });
}
