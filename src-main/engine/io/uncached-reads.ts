// Reads that bypass the page cache (O_DIRECT), as ddrescue's --idirect does: a backup's
// frames, and a restore's read-back of a drive. Through the page cache, every byte of a
// drive is copied twice (drive to cache, cache to us), a 240 GB backup evicts everything the
// user had cached, and the kernel's work to find and free pages grows with the read: an
// evicted 4 GiB file read through the cache here cost 0.3-6.9 s of system time, directly
// 0.14-0.19 s (docs/benchmarks.md, 2026-12-07).
//
// O_DIRECT takes only reads whose buffer, position and length are whole blocks. Frames and
// read-back windows are read into page-aligned memory at aligned positions, so they
// qualify; the partition table, filesystem metadata, short runs of used blocks and a
// source's short last frame do not, and go through the cache as before. A source that
// refuses O_DIRECT (EINVAL, at the open or at a read) is read through the cache from then
// on: slower perhaps, never wrong.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { startsOnPage } from './page-aligned.js';

/** The block size O_DIRECT reads are aligned to: a page, or the drive's sector if larger. */
function directAlignment(logicalSectorSize: number): number {
  return Math.max(4096, logicalSectorSize);
}

/**
 * Reads shorter than this go through the cache even when aligned: the small scattered runs
 * of a used-blocks map are what the kernel's readahead joins into large reads, and a direct
 * read is one request to the drive each.
 */
export const MIN_DIRECT_BYTES = 2 ** 20;

/** Whether a read of `target` at `position` may go around the page cache. */
export function qualifiesForDirect(target: Uint8Array, position: number, unit: number): boolean {
  return (
    target.byteLength >= MIN_DIRECT_BYTES &&
    position % unit === 0 &&
    target.byteLength % unit === 0 &&
    startsOnPage(target)
  );
}

export interface UncachedReads {
  /**
   * Reads into `target` from `position` around the page cache; fewer bytes only at the end of
   * the source. Null when this read cannot go that way (the caller reads through the cache).
   */
  read(target: Uint8Array, position: number): Promise<number | null>;
  close(): Promise<void>;
}

const isRefusal = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EINVAL';

/** O_DIRECT reads of `path`, opened at the first read that qualifies. */
export function uncachedReads(path: string, logicalSectorSize: number): UncachedReads {
  const unit = directAlignment(logicalSectorSize);
  let handle: Promise<FileHandle | null> | null = null;
  let refused = false;

  const opened = (): Promise<FileHandle | null> =>
    // Any failure to open this way (EINVAL: not supported here) leaves the cached reads,
    // which report their own errors.
    (handle ??= open(path, constants.O_RDONLY | constants.O_DIRECT).catch(() => {
      refused = true;
      return null;
    }));

  return {
    async read(target, position) {
      if (refused || !qualifiesForDirect(target, position, unit)) return null;
      const direct = await opened();
      if (!direct) return null;
      let done = 0;
      try {
        while (done < target.byteLength) {
          const { bytesRead } = await direct.read(
            target,
            done,
            target.byteLength - done,
            position + done,
          );
          done += bytesRead;
          // The end of the source, or a partial block before it: the next read would not be
          // aligned, and there is nothing more to read.
          if (bytesRead === 0 || bytesRead % unit !== 0) break;
        }
      } catch (error) {
        if (!isRefusal(error) || done > 0) throw error;
        refused = true;
        return null;
      }
      return done;
    },
    async close() {
      const direct = await handle;
      await direct?.close();
    },
  };
}
