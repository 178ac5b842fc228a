// Whole reads and writes at a position. A single read or write may move fewer bytes than
// asked (signals, pipes, large requests); these loop until done, so no caller has to.

import type { FileHandle } from 'node:fs/promises';

/** Fills `target` from `position`; returns the bytes read (fewer only at the end of the file). */
export async function readFully(
  handle: FileHandle,
  target: Uint8Array,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < target.byteLength) {
    const { bytesRead } = await handle.read(
      target,
      done,
      target.byteLength - done,
      position + done,
    );
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Writes all of `data` at `position`. On failure the error carries `bytesDone`: how much was
 * written before it, for messages that say where it stopped.
 */
export async function writeFully(
  handle: FileHandle,
  data: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  try {
    while (done < data.byteLength) {
      const { bytesWritten } = await handle.write(
        data,
        done,
        data.byteLength - done,
        position + done,
      );
      done += bytesWritten;
    }
  } catch (error) {
    throw Object.assign(error as Error, { bytesDone: done });
  }
}
