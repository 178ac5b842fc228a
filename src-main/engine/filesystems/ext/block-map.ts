// The classic ext2/ext3 block map: i_block holds 12 direct block numbers, then one indirect,
// one double-indirect and one triple-indirect block number. An indirect block is an array of
// block numbers (blockSize/4 of them); 0 anywhere is a hole, for everything under it.
//
// The walk is lazy and in logical order: each indirect block is read once, when the file's
// bytes reach it. Its depth is fixed (three levels), so it cannot loop; every block number is
// checked against the filesystem before it is read or yielded.

import type { Run } from './block-run.js';
import type { Volume } from './volume.js';

const DIRECT = 12;

/** Blocks a block map can address with blocks of `blockSize` bytes. */
export function blockMapCapacity(blockSize: number): number {
  const p = blockSize / 4;
  return DIRECT + p + p * p + p * p * p;
}

/**
 * The runs of a file whose i_block holds a block map, in logical order, up to (not past)
 * logical block `endBlock`; physically contiguous blocks come as one run.
 */
export async function* blockMapRuns(
  volume: Volume,
  iBlock: Buffer,
  endBlock: number,
): AsyncGenerator<Run> {
  const perBlock = volume.blockSize / 4;
  let run: Run | null = null;

  /** Adds one block to the run being built, yielding the previous run when it cannot grow. */
  function* add(logical: number, physical: number): Generator<Run> {
    volume.checkBlocks(physical, 1, 'its block map');
    if (
      run &&
      run.logical + run.count === logical &&
      run.physical !== null &&
      run.physical + run.count === physical
    ) {
      run.count++;
      return;
    }
    if (run) yield run;
    run = { logical, count: 1, physical };
  }

  /** The blocks under indirect block `pointer` of `level` (1: it lists data blocks). */
  async function* indirect(pointer: number, level: number, first: number): AsyncGenerator<Run> {
    if (pointer === 0 || first >= endBlock) return;
    const block = await volume.readBlocks(pointer, 1, 'its block map');
    const span = perBlock ** (level - 1);
    for (let i = 0; i < perBlock; i++) {
      const logical = first + i * span;
      if (logical >= endBlock) return;
      const child = block.readUInt32LE(i * 4);
      if (child === 0) continue;
      if (level === 1) yield* add(logical, child);
      else yield* indirect(child, level - 1, logical);
    }
  }

  for (let i = 0; i < DIRECT && i < endBlock; i++) {
    const pointer = iBlock.readUInt32LE(i * 4);
    if (pointer !== 0) yield* add(i, pointer);
  }
  let first = DIRECT;
  for (let level = 1; level <= 3; level++) {
    yield* indirect(iBlock.readUInt32LE((DIRECT + level - 1) * 4), level, first);
    first += perBlock ** level;
  }
  if (run) yield run;
}
