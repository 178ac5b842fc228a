// Writes that bypass the page cache (O_DIRECT), for a restore's target.
//
// Through the page cache every byte is copied into a page the kernel must first find, and on
// this project's VM a fresh page is what costs: 3 GiB written into a new file took 8.5 s with
// `sync` (7.5 s of it system time), and 1.9 s with `oflag=direct` (0.3 s system time), by
// `dd` (docs/benchmarks.md, 2026-12-08). A restored drive is not read again soon, so caching
// it only evicts what the user had cached.
//
// O_DIRECT takes only writes whose buffer, position and length are whole blocks. The pieces
// a restore writes come from page-aligned slots at block-aligned positions, so nearly all
// qualify; what does not (a piece's part of a block at its end, or memory that is not known
// to be page-aligned) is written through the cache, and the fsync at the end covers it. A target
// that refuses O_DIRECT (EINVAL, at the open or at a write) is written through the cache
// from then on: slower perhaps, never wrong.

import { constants, openSync, closeSync, writeSync } from 'node:fs';
import { startsOnPage } from './page-aligned.js';

/** Writes shorter than this go through the cache even when aligned: one request each. */
export const MIN_DIRECT_WRITE = 64 * 2 ** 10;

/**
 * How many of the first bytes of `data`, to be written at `position`, may go around the page
 * cache: its whole blocks, when it starts on a page at a block position and holds enough of
 * them; else 0.
 */
export function directPart(data: Uint8Array, position: number, unit: number): number {
  const whole = data.byteLength - (data.byteLength % unit);
  return whole >= MIN_DIRECT_WRITE && position % unit === 0 && startsOnPage(data) ? whole : 0;
}

export interface UncachedWrites {
  /**
   * Writes the first bytes of `data` at `position` around the page cache, on this thread, and
   * returns how many: its whole blocks, or none when it cannot go that way. The caller writes
   * the rest through the cache. On failure the error carries `bytesDone`, as file-io's
   * writes do.
   */
  write(data: Uint8Array, position: number): number;
  close(): void;
}

const isRefusal = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EINVAL';

/** O_DIRECT writes to `path` (which exists), opened at the first write that qualifies. */
export function uncachedWrites(path: string, unit: number): UncachedWrites {
  let fd: number | null = null;
  let refused = false;

  const opened = (): number | null => {
    if (fd === null && !refused) {
      try {
        fd = openSync(path, constants.O_WRONLY | constants.O_DIRECT);
      } catch {
        // Not supported here (EINVAL), or any other reason: the cached writes report their own.
        refused = true;
      }
    }
    return fd;
  };

  return {
    write(data, position) {
      const part = refused ? 0 : directPart(data, position, unit);
      const direct = part > 0 ? opened() : null;
      if (direct === null) return 0;
      let done = 0;
      try {
        // A short write (a full disk, say) ends the loop at a whole block, or fails next.
        while (done < part) done += writeSync(direct, data, done, part - done, position + done);
      } catch (error) {
        if (isRefusal(error) && done === 0) {
          refused = true;
          return 0;
        }
        throw Object.assign(error as Error, { bytesDone: done });
      }
      return done;
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
