// The reader hands out frames as the image holds them: the bytes the map reads, zeros
// elsewhere, whichever slot a frame lands in and whatever that slot held before (a slot that
// is zeros already is not written again).

import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ByteRange } from '../../../src-shared/manifest.js';
import type { BlockMap } from '../blockmap/block-map.js';
import { SlotArena } from '../pool/slot-arena.js';
import { complement } from '../ranges.js';
import { openBackupSource, type PositionedSource } from '../source/backup-source.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { readPositioned, zeroFill } from './frame-reader.js';

const FRAME = 64 * 1024;

/** A used-mode map of `size` bytes reading `read` (sorted, apart). */
function usedMap(size: number, read: ByteRange[]): BlockMap {
  return { mode: 'used', size, read, dontCare: complement(read, 0, size), partitionTable: null };
}

describe('readPositioned', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('gives zeros where the map reads nothing, in slots that held data before', async () => {
    // 12 frames of random bytes, the last one short; the map reads frames 0, 3 (half), 4, 8
    // and the tail, so two slots keep going from data to zeros and back.
    const size = 11 * FRAME + 1000;
    const drive = randomBytes(size);
    const path = join(dir.path, 'drive.img');
    await writeFile(path, drive);
    const read: ByteRange[] = [
      [0, FRAME],
      [3 * FRAME + 100, 3 * FRAME + FRAME / 2],
      [4 * FRAME, 5 * FRAME],
      [8 * FRAME, 9 * FRAME],
      [11 * FRAME, size],
    ];
    const expected = Buffer.alloc(size);
    for (const [start, end] of read) drive.copy(expected, start, start, end);

    const source = (await openBackupSource(path)) as PositionedSource;
    const arena = new SlotArena(FRAME, 2);
    const got: Buffer[] = [];
    const zeros: boolean[] = [];
    const progress = { bytesRead: 0 };
    try {
      await readPositioned(
        source,
        {
          send: async (frame) => {
            got.push(Buffer.from(frame.data));
            zeros.push(frame.zeros === true);
            arena.release(frame.slot);
          },
        },
        {
          map: usedMap(size, read),
          frameSize: FRAME,
          arena,
          digest: null,
          progress,
          signal: new AbortController().signal,
        },
      );
    } finally {
      await source.close();
    }
    expect(Buffer.concat(got).equals(expected)).toBe(true);
    expect(zeros).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      true,
      false,
      true,
      true,
      false,
    ]);
    expect(progress.bytesRead).toBe(read.reduce((sum, [s, e]) => sum + e - s, 0));
  });
});

describe('zeroFill', () => {
  it('leaves zeros, wherever else a byte is not zero', () => {
    const zeros = Buffer.alloc(4096);
    zeroFill(zeros);
    expect(zeros.equals(Buffer.alloc(4096))).toBe(true);
    for (const at of [0, 1, 2047, 4095]) {
      const range = Buffer.alloc(4096);
      range[at] = 0x80;
      zeroFill(range);
      expect(range.equals(Buffer.alloc(4096))).toBe(true);
    }
  });
});
