// Pseudo-random bytes that are the same on every run for the same seed and label: the AES-256-CTR
// keystream of a key and counter derived from them. They stand for data that does not compress
// (photos, compressed kernels, a drive's stale sectors) and cost no CPU worth mentioning (AES
// runs in hardware), so fixtures of several GiB are written at the speed of the disk.

import { createCipheriv, createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

const CHUNK = 4 * 2 ** 20;

/** Successive pieces of the keystream named by `seed` and `label`. */
export function seededStream(seed: string, label: string): (length: number) => Buffer {
  const digest = (what: string) =>
    createHash('sha256').update(`${what}\0${seed}\0${label}`).digest();
  const cipher = createCipheriv('aes-256-ctr', digest('key'), digest('counter').subarray(0, 16));
  return (length) => cipher.update(Buffer.alloc(length));
}

/** Writes `length` seeded bytes into an open file at `position`. */
export async function writeSeededBytes(
  handle: FileHandle,
  position: number,
  length: number,
  seed: string,
  label: string,
): Promise<void> {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`a length in whole bytes, not ${length}`);
  }
  const next = seededStream(seed, label);
  for (let done = 0; done < length;) {
    const piece = next(Math.min(CHUNK, length - done));
    await handle.write(piece, 0, piece.length, position + done);
    done += piece.length;
  }
}

/** A new file of `length` seeded bytes (replaces one that exists). */
export async function writeSeededFile(
  path: string,
  length: number,
  seed: string,
  label: string,
): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await writeSeededBytes(handle, 0, length, seed, label);
  } finally {
    await handle.close();
  }
}
