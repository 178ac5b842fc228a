// A file's (or folder's) bytes, from its runs of blocks: physically contiguous runs are read
// together, up to 1 MiB at a time (the image reader beneath decodes whole frames, so a few
// large reads cost far less than many small ones), and holes and unwritten extents are
// zeros that are never read. Memory stays at one read, whatever the file's size.

import { blockMapCapacity, blockMapRuns } from './block-map.js';
import type { Run } from './block-run.js';
import { extentRuns } from './extents.js';
import { FLAG_EXTENTS, type Inode } from './inode.js';
import { Damaged, MAX_READ, type Volume } from './volume.js';

/** A stretch of the content: its bytes, or a hole of `length` zeros that needs no read. */
export type Piece = { at: number; data: Buffer } | { at: number; hole: number };

/** The runs of an inode's blocks, from its extent tree or its block map, up to `size` bytes. */
export function runsOf(volume: Volume, inode: Inode, size: number): AsyncGenerator<Run> {
  const endBlock = Math.ceil(size / volume.blockSize);
  if (inode.flags & FLAG_EXTENTS) return extentRuns(volume, inode.iBlock, endBlock);
  if (endBlock > blockMapCapacity(volume.blockSize)) {
    throw new Damaged('its size is more than its block map can hold');
  }
  return blockMapRuns(volume, inode.iBlock, endBlock);
}

/**
 * The content of `size` bytes laid out by `runs`, as pieces in order that cover it exactly:
 * data pieces of at most 1 MiB, each one read, and holes.
 */
export async function* pieces(
  volume: Volume,
  runs: AsyncIterable<Run>,
  size: number,
): AsyncGenerator<Piece> {
  const { blockSize } = volume;
  /** Bytes of the file before which everything has been given. */
  let done = 0;
  /** The read being gathered: file bytes [at, at+length) from filesystem byte `from`. */
  let pending: { at: number; from: number; length: number } | null = null;

  async function* flush(): AsyncGenerator<Piece> {
    if (!pending) return;
    const { at, from, length } = pending;
    pending = null;
    yield { at, data: await volume.readBytes(from, length) };
  }

  for await (const run of runs) {
    const start = run.logical * blockSize;
    const end = Math.min((run.logical + run.count) * blockSize, size);
    if (start < done) throw new Damaged('its blocks overlap');
    if (start >= end) continue;
    if (start > done || run.physical === null) {
      yield* flush();
      if (start > done) yield { at: done, hole: start - done };
      if (run.physical === null) {
        yield { at: start, hole: end - start };
        done = end;
        continue;
      }
    }
    let at = start;
    let from = run.physical * blockSize;
    while (at < end) {
      if (!pending || pending.from + pending.length !== from || pending.length === MAX_READ) {
        yield* flush();
        pending = { at, from, length: 0 };
      }
      const take = Math.min(end - at, MAX_READ - pending.length);
      pending.length += take;
      at += take;
      from += take;
    }
    done = end;
  }
  yield* flush();
  if (done < size) yield { at: done, hole: size - done };
}

/** Content as chunks of at most 1 MiB: data pieces as read, holes as fresh zeros. */
export async function* chunks(source: AsyncIterable<Piece>): AsyncGenerator<Uint8Array> {
  for await (const piece of source) {
    if ('data' in piece) {
      yield piece.data;
      continue;
    }
    for (let left = piece.hole; left > 0; left -= MAX_READ) {
      yield new Uint8Array(Math.min(left, MAX_READ));
    }
  }
}
