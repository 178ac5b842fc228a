// An image file on this machine, and the index file beside it (gzip, xz and uncompressed
// images keep theirs in <image>.spillway.json).

import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { MAX_SIDECAR_BYTES, sidecarPathOf } from '../../../../src-shared/sidecar.js';
import { SpillwayError } from '../../errors.js';
import { readFully } from '../../io/file-io.js';
import { checkReadRange, withRead, type ImageInput, type SidecarText } from '../image-input.js';

export async function openImageFile(path: string): Promise<ImageInput> {
  const st = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new SpillwayError('not-found', `There is no image at ${path}.`);
    }
    throw error;
  });
  if (st.isDirectory()) {
    throw new SpillwayError('not-an-image', `${path} is a folder, not an image file.`, {
      facts: { path },
      remedy: 'pick-image-file',
    });
  }
  if (!st.isFile()) throw new SpillwayError('not-an-image', `${path} is not a regular file.`);
  const handle = await open(path, 'r');
  const size = st.size;
  const readInto = async (target: Uint8Array, position: number) => {
    checkReadRange(path, size, position, target.byteLength);
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

/** The index file beside the image at `imagePath`, when there is one. */
export async function readSidecarBeside(imagePath: string): Promise<SidecarText | null> {
  const path = sidecarPathOf(imagePath);
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return null;
  if (st.size > MAX_SIDECAR_BYTES) {
    throw new SpillwayError('image-damaged', `${path} is too large to be Spillway's index file.`);
  }
  return { path, text: await readFile(path, 'utf8') };
}
