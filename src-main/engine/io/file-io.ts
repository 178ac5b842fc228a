// Whole reads and writes at a position. A single read or write may move fewer bytes than
// asked (signals, pipes, large requests); these loop until done, so no caller has to.

import { readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * The most one write call moves. Measured on this project's machine (Linux 6.1, ext4, a VM),
 * runs interleaved: 1 GiB written into the page cache in 4 MiB calls took 0.2 to 2.6 s of
 * kernel time (in copy_folio_from_iter_atomic), in 1 MiB calls 0.24 to 0.25 s; a 4 GiB
 * restore into a file, 1.5–3.2 s against 1.2–1.3 s. When the whole machine is slow both are
 * (docs/benchmarks.md). Measured again on Linux 6.18 (2026-12-06, the machine loaded, 1 GiB
 * from a 16 MiB buffer walked in order, 9 runs each): 256 KiB calls took 0.14–0.17 s of
 * kernel time in every run, 1 MiB calls 0.15–1.67 s and 4 MiB calls 0.13–0.86 s, the slow
 * runs scattered among fast ones. So 256 KiB, the steadiest; in a raw backup of 1 GiB it took
 * 0.2 s less kernel time than 1 MiB, no wall time measurable on the loaded machine. Smaller
 * calls only cost more calls.
 */
const MAX_WRITE = 2 ** 18;

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
        Math.min(MAX_WRITE, data.byteLength - done),
        position + done,
      );
      done += bytesWritten;
    }
  } catch (error) {
    throw Object.assign(error as Error, { bytesDone: done });
  }
}

/**
 * writeFully on the calling thread, for writes that land in the page cache (image files, a
 * restore into a file). An asynchronous write is a hand-off to libuv's thread pool and back:
 * a restore of the 4 GiB fixture made 103 000 futex calls for its 14 500 writes (strace).
 * On this project's 2-core VM, where waking another thread costs more than a 256 KiB copy,
 * writing here instead took a restore of a one-frame `zstd` image from 5.5–10.3 s to
 * 5.3–6.2 s and a raw backup of the 4 GiB fixture from 10.2–12.8 s to 10.0–11.6 s (4 rounds
 * each, interleaved; docs/benchmarks.md). Not for drives: a drive that stops answering would
 * stop the thread that notices it.
 */
export function writeFullyHere(handle: FileHandle, data: Uint8Array, position: number): void {
  let done = 0;
  try {
    while (done < data.byteLength) {
      done += writeSync(
        handle.fd,
        data,
        done,
        Math.min(MAX_WRITE, data.byteLength - done),
        position + done,
      );
    }
  } catch (error) {
    throw Object.assign(error as Error, { bytesDone: done });
  }
}

/**
 * readFully on the calling thread, for reads the page cache answers (the read-back of a
 * restore into a file): as writeFullyHere, no hand-off to the thread pool and back. The read
 * of 4 GiB back took 0.35 s of the main thread (a profile of the fixture's `zstd` image
 * restored, 2026-12-07); by hand, 4 rounds interleaved, that restore took 5.9–6.9 s
 * (median 6.4) against 5.2–7.4 s (median 6.6) through the pool, with less kernel time in
 * 3 of 4: a small gain, within this VM's noise.
 */
export function readFullyHere(handle: FileHandle, target: Uint8Array, position: number): number {
  let done = 0;
  while (done < target.byteLength) {
    const got = readSync(handle.fd, target, done, target.byteLength - done, position + done);
    if (got === 0) break;
    done += got;
  }
  return done;
}
