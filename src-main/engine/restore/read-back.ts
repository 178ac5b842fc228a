// Read-back after a restore: every block written is read from the device again and its
// SHA-256 compared with the one taken while writing. A mismatch names the byte range.

import { createHash } from 'node:crypto';
import { settledLater } from '../async/settled-later.js';
import { SpillwayError } from '../errors.js';
import type { Counters } from '../progress/progress-tracker.js';
import type { ByteRange } from '../ranges.js';
import type { RestoreTarget } from './restore-target.js';

export interface WrittenBlock {
  /** The ranges written for one frame or block, in order. */
  ranges: ByteRange[];
  /** SHA-256 of their bytes, concatenated. */
  digest: Buffer;
}

const READ_AHEAD = 4;

export async function readBack(
  target: RestoreTarget,
  blocks: WrittenBlock[],
  counters: Counters,
  signal: AbortSignal,
): Promise<void> {
  const readBlock = async (block: WrittenBlock) => {
    const hash = createHash('sha256');
    for (const [start, end] of block.ranges) hash.update(await target.read(end - start, start));
    return hash.digest();
  };
  const inFlight: Array<Promise<Buffer>> = [];
  let next = 0;
  try {
    for (const block of blocks) {
      signal.throwIfAborted();
      while (next < blocks.length && inFlight.length < READ_AHEAD) {
        inFlight.push(settledLater(readBlock(blocks[next++]!)));
      }
      const digest = await inFlight.shift()!;
      const bytes = block.ranges.reduce((sum, [s, e]) => sum + e - s, 0);
      if (!digest.equals(block.digest)) {
        const [start] = block.ranges[0]!;
        const end = block.ranges[block.ranges.length - 1]![1];
        throw new SpillwayError(
          'readback-mismatch',
          `${target.description.path} did not read back what was written at bytes ${start}–${end}.`,
          { hint: 'The drive may be failing: try again, or use another drive.' },
        );
      }
      counters.bytesRead += bytes;
      counters.streamDone += bytes;
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}
