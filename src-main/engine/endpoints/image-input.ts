// The bytes of an image file, read by position (frames of an indexed image) or as a stream
// (images made by other tools). Split parts and remote images implement the same interface.

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SpillwayError } from '../errors.js';
import { readFully } from '../io/file-io.js';

export interface ImageInput {
  /** What the user named: a path. */
  readonly path: string;
  readonly size: number;
  /** The files it is read from (several for a split image; none in memory), so a restore
   *  can refuse a target that holds any of them. */
  readonly files: string[];
  /** Exactly `length` bytes from `position`; throws when the image ends first. */
  read(position: number, length: number): Promise<Buffer>;
  /** Fills `target` from `position` (same rules as read). */
  readInto(target: Uint8Array, position: number): Promise<void>;
  /** The bytes from `start` to the end, as a stream. */
  stream(start?: number): Readable;
  close(): Promise<void>;
}

export async function openImageFile(path: string): Promise<ImageInput> {
  const st = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new SpillwayError('not-found', `There is no image at ${path}.`);
    }
    throw error;
  });
  if (st.isDirectory()) {
    throw new SpillwayError('not-an-image', `${path} is a folder, not an image file.`, {
      hint: 'Pick the image file inside it (for example disk.img.zst).',
    });
  }
  if (!st.isFile()) throw new SpillwayError('not-an-image', `${path} is not a regular file.`);
  const handle = await open(path, 'r');
  const size = st.size;
  const readInto = async (target: Uint8Array, position: number) => {
    checkRange(path, size, position, target.byteLength);
    if ((await readFully(handle, target, position)) !== target.byteLength) {
      throw new SpillwayError('image-truncated', `${path} ended while being read.`);
    }
  };
  return withRead({
    path,
    size,
    files: [path],
    readInto,
    stream: (start = 0) => createReadStream(path, { start, highWaterMark: 1 << 20 }),
    close: () => handle.close(),
  });
}

/** Reading past the end of an image means it was cut short. */
function checkRange(path: string, size: number, position: number, length: number): void {
  if (position < 0 || length < 0 || position + length > size) {
    throw new SpillwayError('image-truncated', `${path} ends before byte ${position + length}.`);
  }
}

/** Every input reads into buffers it is given; `read` allocates one and reads into it. */
export function withRead(input: Omit<ImageInput, 'read'>): ImageInput {
  return {
    ...input,
    async read(position, length) {
      const buffer = Buffer.allocUnsafeSlow(length);
      await input.readInto(buffer, position);
      return buffer;
    },
  };
}

/** An image held in memory (tests, fuzzing): the same rules as a file. */
export function memoryImageInput(path: string, bytes: Uint8Array): ImageInput {
  const size = bytes.byteLength;
  return withRead({
    path,
    size,
    files: [],
    async readInto(target, position) {
      checkRange(path, size, position, target.byteLength);
      target.set(bytes.subarray(position, position + target.byteLength));
    },
    stream: (start = 0) => Readable.from([Buffer.from(bytes.subarray(start))]),
    close: async () => {},
  });
}
