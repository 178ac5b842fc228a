// Writes that bypass the page cache (O_DIRECT): a restore's target file, and a backup's image
// file (DirectAppender, below).
//
// Through the page cache every byte is copied into a page the kernel must first find, and on
// this project's VM a fresh page is what costs: 3 GiB written into a new file took 8.5 s with
// `sync` (7.5 s of it system time), and 1.9 s with `oflag=direct` (0.3 s system time), by
// `dd` (docs/benchmarks.md, 2026-12-08). A restored file or a new image is not read again
// soon, so caching it would only evict what the user had cached.
//
// O_DIRECT takes only writes whose buffer, position and length are whole blocks. The pieces
// a restore writes come from page-aligned slots at block-aligned positions, so nearly all
// qualify; what does not (a piece's part of a block at its end, or memory that is not known
// to be page-aligned) is written through the cache, and the fsync at the end covers it. A
// target that refuses O_DIRECT (EINVAL, at the open or at a write) is written through the
// cache from then on: slower perhaps, never wrong.

import { constants, openSync, closeSync, writeSync } from 'node:fs';
import { pageAlignedBuffer, startsOnPage } from './page-aligned.js';

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

/** Bytes gathered before an appender writes them around the cache: a few large requests. */
const STAGE_BYTES = 4 * 2 ** 20;

/**
 * Appends to a file around the page cache, from `start` (a block position): the bytes gather
 * in page-aligned memory, and each time it is full it is written with O_DIRECT. An image's
 * frames come in any length, so they cannot go around the cache one by one. What is left
 * at the end, a part of a block, is written through the cache by `drain`, after which the
 * file is no longer appended to here.
 */
export class DirectAppender {
  private readonly stage = pageAlignedBuffer(STAGE_BYTES);
  private staged = 0;
  private drained = false;
  private readonly direct: UncachedWrites;

  /**
   * `cached` writes a piece through the page cache (what O_DIRECT does not take); `unit` is
   * the block size writes are aligned to.
   */
  constructor(
    path: string,
    /** Where the stage's first byte goes in the file. */
    private at: number,
    private readonly cached: (data: Uint8Array, position: number) => void,
    unit = 4096,
  ) {
    if (at % unit !== 0) throw new RangeError('an appender starts at a block position');
    this.direct = uncachedWrites(path, unit);
  }

  append(bytes: Uint8Array): void {
    if (this.drained) throw new Error('the appender was drained');
    for (let done = 0; done < bytes.byteLength;) {
      const n = Math.min(STAGE_BYTES - this.staged, bytes.byteLength - done);
      this.stage.set(bytes.subarray(done, done + n), this.staged);
      this.staged += n;
      done += n;
      if (this.staged === STAGE_BYTES) this.writeStage(STAGE_BYTES);
    }
  }

  /** Writes what is gathered (its whole blocks around the cache, the rest through it). */
  drain(): void {
    if (this.drained) return;
    this.drained = true;
    this.writeStage(this.staged);
  }

  close(): void {
    this.direct.close();
  }

  private writeStage(length: number): void {
    const piece = this.stage.subarray(0, length);
    const done = this.direct.write(piece, this.at);
    if (done < length) this.cached(piece.subarray(done), this.at + done);
    this.at += length;
    this.staged = 0;
  }
}
