// ext2, ext3 and ext4: the block bitmap of every block group, plus every group's metadata
// (superblock copy, descriptors, bitmaps, inode table) wherever flex_bg put it. A group whose
// bitmap was never initialised (BLOCK_UNINIT) has only metadata in use. Anything this reader
// does not know for sure (a feature flag it does not know, a journal that needs recovery,
// errors, bigalloc) reads the partition whole. With meta_bg the descriptors are not one table
// after the superblock but one block at the start of each meta group, found group by group.

import type { ByteRange } from '../../../../src-shared/manifest.js';
import { normalize } from '../../ranges.js';
import { Distrust, type ReadAt } from '../../read-at.js';
import { bitRuns, pushRange, type FilesystemReader } from '../allocation.js';
import {
  descriptorBlock,
  featuresOf,
  hasSuperblock,
  INCOMPAT_META_BG,
  INCOMPAT_RECOVER,
  isExtSuperblock,
  parseDescriptor,
  parseSuperblock,
  RO_COMPAT_BIGALLOC,
  RO_COMPAT_GDT_CSUM,
  RO_COMPAT_METADATA_CSUM,
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
  type Superblock,
} from './superblock.js';

// Features whose meaning for allocation is understood. Any other bit → read whole.
const INCOMPAT_KNOWN =
  0x2 /* filetype */ |
  0x40 /* extents */ |
  0x80 /* 64bit */ |
  0x100 /* mmp */ |
  0x200 /* flex_bg */ |
  0x400 /* ea_inode */ |
  0x2000 /* csum_seed */ |
  0x4000 /* largedir */ |
  0x8000 /* inline_data */ |
  0x10000 /* encrypt */ |
  0x20000; /* casefold */
const RO_COMPAT_KNOWN =
  0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x100 | 0x400 | 0x1000 | 0x2000 | 0x8000 | 0x10000;
const BLOCK_UNINIT = 0x2;

export const extReader: FilesystemReader = {
  name: 'ext',
  async read(read: ReadAt, size: number) {
    if (size < 4096) return null;
    const raw = await read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE);
    if (!isExtSuperblock(raw)) return null;
    const { incompat, roCompat, filesystem } = featuresOf(raw);
    const unknown = incompat & ~INCOMPAT_KNOWN & ~INCOMPAT_RECOVER & ~INCOMPAT_META_BG;
    if (unknown) throw new Distrust(`${filesystem} feature 0x${unknown.toString(16)} is unknown`);
    if (incompat & INCOMPAT_RECOVER) {
      throw new Distrust(`${filesystem} journal needs recovery (not cleanly unmounted)`);
    }
    const roUnknown = roCompat & ~RO_COMPAT_KNOWN;
    if (roCompat & RO_COMPAT_BIGALLOC) throw new Distrust(`${filesystem} bigalloc is not read`);
    if (roUnknown)
      throw new Distrust(`${filesystem} feature 0x${roUnknown.toString(16)} is unknown`);
    if (raw.readUInt16LE(0x3a) & 0x2) throw new Distrust(`${filesystem} has errors recorded`);

    const sb = parseSuperblock(raw, size);
    const { blockSize, blocks, groups, descSize, gdtBlocks, firstDataBlock, blocksPerGroup } = sb;
    /** Where meta_bg keeps the descriptor blocks of its meta groups (in their groups). */
    const metaBgBlocks: number[] = [];
    const descriptors = sb.metaBg
      ? await metaBgDescriptors(read, sb, metaBgBlocks)
      : await read((firstDataBlock + 1) * blockSize, gdtBlocks * blockSize);
    if (descriptors.byteLength < groups * descSize) throw new Distrust('descriptors cut short');
    // The kernel trusts BLOCK_UNINIT only when descriptors carry checksums; without them it
    // reads the bitmap, and so does this reader.
    const uninitTrusted = (roCompat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)) !== 0;
    const inodeTableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / blockSize);

    const usedBlocks: ByteRange[] = [];
    const inBlocks = (first: number, count: number) => {
      if (first + count > blocks) throw new Distrust('group metadata outside the filesystem');
      usedBlocks.push([first, first + count]);
    };
    // The boot area and the primary superblock and descriptors, whatever the bitmaps say;
    // with meta_bg, every descriptor block read here too (found by fuzzing: a bitmap that
    // called one free had the backup leave it out).
    inBlocks(0, firstDataBlock + 1 + gdtBlocks);
    for (const block of metaBgBlocks) inBlocks(block, 1);
    for (let g = 0; g < groups; g++) {
      const d = descriptors.subarray(g * descSize, (g + 1) * descSize);
      const { blockBitmap, inodeBitmap, inodeTable, flags } = parseDescriptor(d, descSize);
      inBlocks(blockBitmap, 1);
      inBlocks(inodeBitmap, 1);
      inBlocks(inodeTable, inodeTableBlocks);
      const groupStart = firstDataBlock + g * blocksPerGroup;
      const groupBlocks = Math.min(blocksPerGroup, blocks - groupStart);
      if (flags & BLOCK_UNINIT && uninitTrusted) {
        // Never-initialised bitmap: only metadata, which the kernel lays out as computed
        // here (its bitmap of such a group is made from the same rule).
        const base = baseMetadataBlocks(g, sb);
        if (base > 0) inBlocks(groupStart, Math.min(groupBlocks, base));
        continue;
      }
      const bitmap = await read(blockBitmap * blockSize, blockSize);
      for (const [a, b] of bitRuns(bitmap, groupBlocks)) {
        usedBlocks.push([groupStart + a, groupStart + b]);
      }
    }
    const used: ByteRange[] = [];
    for (const [a, b] of normalize(usedBlocks)) pushRange(used, a * blockSize, b * blockSize);
    // Bytes of the partition past the filesystem's last block: not ours to judge, kept.
    if (blocks * blockSize < size) pushRange(used, blocks * blockSize, size);
    return {
      filesystem,
      ...(sb.label ? { label: sb.label } : {}),
      uuid: sb.uuid,
      used,
    };
  },
};

/**
 * Blocks at the start of group `g` that hold a superblock copy and descriptors (the kernel's
 * "base meta clusters"): with a superblock copy, 1 + the descriptor table + its reserved growth
 * blocks; in a meta_bg meta group, one descriptor block in its first, second and last group.
 */
function baseMetadataBlocks(g: number, sb: Superblock): number {
  const perBlock = sb.blockSize / sb.descSize;
  const hasSuper = hasSuperblock(sb, g);
  const superBlocks = hasSuper ? 1 : 0;
  if (!sb.metaBg || g < sb.firstMetaBg * perBlock) {
    const tableBlocks = sb.metaBg ? sb.firstMetaBg : sb.gdtBlocks;
    return hasSuper ? superBlocks + tableBlocks + sb.reservedGdt : 0;
  }
  const inMetaGroup = g % perBlock;
  const holdsDescriptors = inMetaGroup === 0 || inMetaGroup === 1 || inMetaGroup === perBlock - 1;
  return superBlocks + (holdsDescriptors ? 1 : 0);
}

/**
 * meta_bg: the whole descriptor table, gathered from where descriptorBlock says each of its
 * blocks is (the first `firstMetaBg` together after the superblock, then one per meta group).
 */
async function metaBgDescriptors(
  read: ReadAt,
  sb: Superblock,
  blocksRead: number[],
): Promise<Buffer> {
  if (sb.firstMetaBg > sb.gdtBlocks) throw new Distrust('meta_bg starts past the descriptors');
  const blocks: Buffer[] = [];
  if (sb.firstMetaBg > 0) {
    const first = (sb.firstDataBlock + 1) * sb.blockSize;
    blocks.push(await read(first, sb.firstMetaBg * sb.blockSize));
  }
  for (let m = sb.firstMetaBg; m < sb.gdtBlocks; m++) {
    const at = descriptorBlock(sb, m);
    blocks.push(await read(at * sb.blockSize, sb.blockSize));
    blocksRead.push(at);
  }
  return Buffer.concat(blocks);
}
