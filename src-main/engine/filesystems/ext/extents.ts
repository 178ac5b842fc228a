// ext4 extents: where a file's blocks are, as a tree rooted in the inode's i_block. Each node
// is a 12-byte header (magic, entries, capacity, depth) and 12-byte entries: in a leaf
// (depth 0) an extent (first logical block, length, first physical block; a length over 32768
// marks it unwritten, read as zeros), above it an index (first logical block, child node).
//
// The walk is lazy (a file is streamed as its extents are found) and distrusts the tree: the
// depth must fall by one at each level (a node pointing back up would not), no node may be
// visited twice, extents must come in order without overlap, and every block must lie in the
// filesystem. Such a fault is Damaged: for the file, not the filesystem.

import type { Run } from './block-run.js';
import { Damaged, type Volume } from './volume.js';

const EXTENT_MAGIC = 0xf30a;
const HEADER = 12;
const ENTRY = 12;
/** The kernel's limit: deeper trees are never made (EXT4_MAX_EXTENT_DEPTH). */
const MAX_DEPTH = 5;
const INIT_MAX_LENGTH = 32768;
const LOGICAL_LIMIT = 2 ** 32;

interface Header {
  entries: number;
  depth: number;
}

function header(node: Buffer, what: string): Header {
  if (node.readUInt16LE(0) !== EXTENT_MAGIC) throw new Damaged(`${what} is not an extent node`);
  const entries = node.readUInt16LE(2);
  const capacity = node.readUInt16LE(4);
  const depth = node.readUInt16LE(6);
  if (capacity > (node.byteLength - HEADER) / ENTRY || entries > capacity) {
    throw new Damaged(`${what} claims more entries than it can hold`);
  }
  if (depth > MAX_DEPTH) throw new Damaged(`${what} is deeper than any extent tree`);
  return { entries, depth };
}

/**
 * The runs of a file whose i_block holds an extent tree, in logical order, up to (not past)
 * logical block `endBlock`. Gaps between runs are holes.
 */
export async function* extentRuns(
  volume: Volume,
  iBlock: Buffer,
  endBlock: number,
): AsyncGenerator<Run> {
  const visited = new Set<number>();
  /** The first logical block after the last extent: the next must not start before it. */
  let next = 0;

  async function* walk(node: Buffer, expectedDepth: number | null): AsyncGenerator<Run> {
    const what = expectedDepth === null ? 'its extent tree' : 'a node of its extent tree';
    const { entries, depth } = header(node, what);
    if (expectedDepth !== null && depth !== expectedDepth) {
      throw new Damaged('its extent tree is not shaped like a tree');
    }
    if (expectedDepth !== null && entries === 0) throw new Damaged(`${what} is empty`);
    let lastIndexStart = -1;
    for (let i = 0; i < entries; i++) {
      const at = HEADER + i * ENTRY;
      const logical = node.readUInt32LE(at);
      if (depth > 0) {
        if (logical <= lastIndexStart) throw new Damaged('its extent tree is out of order');
        lastIndexStart = logical;
        // The children of this index start at `logical`: nothing of the file remains there.
        if (logical >= endBlock) return;
        const child = node.readUInt32LE(at + 4) + node.readUInt16LE(at + 8) * 2 ** 32;
        if (visited.has(child)) throw new Damaged('its extent tree loops');
        visited.add(child);
        const block = await volume.readBlocks(child, 1, 'its extent tree');
        yield* walk(block, depth - 1);
        if (next >= endBlock) return;
        continue;
      }
      const rawLength = node.readUInt16LE(at + 4);
      const unwritten = rawLength > INIT_MAX_LENGTH;
      const length = unwritten ? rawLength - INIT_MAX_LENGTH : rawLength;
      const physical = node.readUInt16LE(at + 6) * 2 ** 32 + node.readUInt32LE(at + 8);
      if (length === 0) throw new Damaged('its extent tree holds an empty extent');
      if (logical < next) throw new Damaged('its extents overlap or are out of order');
      if (logical + length > LOGICAL_LIMIT) throw new Damaged('an extent runs past 2^32 blocks');
      if (logical >= endBlock) return;
      volume.checkBlocks(physical, length, 'an extent');
      next = logical + length;
      const count = Math.min(length, endBlock - logical);
      yield { logical, count, physical: unwritten ? null : physical };
      if (next >= endBlock) return;
    }
  }

  if (endBlock <= 0) return;
  yield* walk(iBlock, null);
}
