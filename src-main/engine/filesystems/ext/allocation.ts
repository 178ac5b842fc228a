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

/** ext keeps its UUID in byte order: printed as is (blkid's form). */
function uuidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const MAGIC = 0xef53;
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
const INCOMPAT_RECOVER = 0x4;
const INCOMPAT_META_BG = 0x10;
const RO_COMPAT_KNOWN =
  0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x100 | 0x400 | 0x1000 | 0x2000 | 0x8000 | 0x10000;
const RO_COMPAT_BIGALLOC = 0x200;
const RO_COMPAT_GDT_CSUM = 0x10;
const RO_COMPAT_METADATA_CSUM = 0x400;
const COMPAT_SPARSE_SUPER2 = 0x200;
const RO_COMPAT_SPARSE_SUPER = 0x1;
const BLOCK_UNINIT = 0x2;
const MAX_GROUPS = 2 ** 22;

export const extReader: FilesystemReader = {
  name: 'ext',
  async read(read: ReadAt, size: number) {
    if (size < 4096) return null;
    const sb = await read(1024, 1024);
    if (sb.readUInt16LE(0x38) !== MAGIC) return null;
    const compat = sb.readUInt32LE(0x5c);
    const incompat = sb.readUInt32LE(0x60);
    const roCompat = sb.readUInt32LE(0x64);
    const filesystem =
      incompat & 0x40 || incompat & 0x200 ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
    const unknown = incompat & ~INCOMPAT_KNOWN & ~INCOMPAT_RECOVER & ~INCOMPAT_META_BG;
    if (unknown) throw new Distrust(`${filesystem} feature 0x${unknown.toString(16)} is unknown`);
    if (incompat & INCOMPAT_RECOVER) {
      throw new Distrust(`${filesystem} journal needs recovery (not cleanly unmounted)`);
    }
    const roUnknown = roCompat & ~RO_COMPAT_KNOWN;
    if (roCompat & RO_COMPAT_BIGALLOC) throw new Distrust(`${filesystem} bigalloc is not read`);
    if (roUnknown)
      throw new Distrust(`${filesystem} feature 0x${roUnknown.toString(16)} is unknown`);
    if (sb.readUInt16LE(0x3a) & 0x2) throw new Distrust(`${filesystem} has errors recorded`);

    const logBlock = sb.readUInt32LE(0x18);
    if (logBlock > 6) throw new Distrust('block size');
    const blockSize = 1024 << logBlock;
    const is64 = (incompat & 0x80) !== 0;
    const blocks = sb.readUInt32LE(0x4) + (is64 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
    const firstDataBlock = sb.readUInt32LE(0x14);
    const blocksPerGroup = sb.readUInt32LE(0x20);
    const inodesPerGroup = sb.readUInt32LE(0x28);
    const revLevel = sb.readUInt32LE(0x4c);
    const inodeSize = revLevel >= 1 ? sb.readUInt16LE(0x58) : 128;
    const descSize = is64 ? sb.readUInt16LE(0xfe) : 32;
    const reservedGdt = sb.readUInt16LE(0xce);
    if (
      blocks * blockSize > size ||
      blocks <= firstDataBlock ||
      blocksPerGroup === 0 ||
      blocksPerGroup > blockSize * 8 ||
      inodeSize < 128 ||
      inodeSize > blockSize ||
      !descriptorSizeOk(descSize, is64)
    ) {
      throw new Distrust(`${filesystem} superblock values do not fit the partition`);
    }
    const groups = Math.ceil((blocks - firstDataBlock) / blocksPerGroup);
    if (groups > MAX_GROUPS) throw new Distrust('too many block groups');
    const gdtBlocks = Math.ceil((groups * descSize) / blockSize);
    const geometry = { blockSize, descSize, groups, gdtBlocks, firstDataBlock, blocksPerGroup };
    const hasSuper = (g: number) => hasSuperblock(g, compat, roCompat, sb);
    const layout = {
      metaBg: (incompat & INCOMPAT_META_BG) !== 0,
      firstMetaBg: sb.readUInt32LE(0x104),
      reservedGdt,
    };
    /** Where meta_bg keeps the descriptor blocks of its meta groups (in their groups). */
    const metaBgBlocks: number[] = [];
    const descriptors = layout.metaBg
      ? await metaBgDescriptors(read, geometry, layout.firstMetaBg, hasSuper, metaBgBlocks)
      : await read((firstDataBlock + 1) * blockSize, gdtBlocks * blockSize);
    if (descriptors.byteLength < groups * descSize) throw new Distrust('descriptors cut short');
    // The kernel trusts BLOCK_UNINIT only when descriptors carry checksums; without them it
    // reads the bitmap, and so does this reader.
    const uninitTrusted = (roCompat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)) !== 0;
    const inodeTableBlocks = Math.ceil((inodesPerGroup * inodeSize) / blockSize);

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
      const hi = (at: number) => (descSize >= 64 ? d.readUInt32LE(at) * 2 ** 32 : 0);
      const blockBitmap = d.readUInt32LE(0x0) + hi(0x20);
      const inodeBitmap = d.readUInt32LE(0x4) + hi(0x24);
      const inodeTable = d.readUInt32LE(0x8) + hi(0x28);
      const flags = d.readUInt16LE(0x12);
      inBlocks(blockBitmap, 1);
      inBlocks(inodeBitmap, 1);
      inBlocks(inodeTable, inodeTableBlocks);
      const groupStart = firstDataBlock + g * blocksPerGroup;
      const groupBlocks = Math.min(blocksPerGroup, blocks - groupStart);
      if (flags & BLOCK_UNINIT && uninitTrusted) {
        // Never-initialised bitmap: only metadata, which the kernel lays out as computed
        // here (its bitmap of such a group is made from the same rule).
        const base = baseMetadataBlocks(g, geometry, { ...layout, hasSuper: hasSuper(g) });
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
    const label = sb.toString('latin1', 0x78, 0x88).replace(/\0.*$/s, '');
    return {
      filesystem,
      ...(label ? { label } : {}),
      uuid: uuidText(sb.subarray(0x68, 0x78)),
      used,
    };
  },
};

/**
 * The descriptor sizes the kernel mounts: 32 bytes without 64bit; with it a power of two from
 * 64 to 1024. Any other size makes descriptors straddle blocks, and meta_bg's descriptors-per-
 * block a fraction (found by fuzzing: a descriptor block then read at byte 5593429.33).
 */
function descriptorSizeOk(descSize: number, is64: boolean): boolean {
  if (!is64) return descSize === 32;
  return descSize >= 64 && descSize <= 1024 && (descSize & (descSize - 1)) === 0;
}

interface Geometry {
  blockSize: number;
  descSize: number;
  groups: number;
  gdtBlocks: number;
  firstDataBlock: number;
  blocksPerGroup: number;
}

/** Whether group `g` begins with a superblock copy (and so its descriptor block comes after). */
function hasSuperblock(g: number, compat: number, roCompat: number, sb: Buffer): boolean {
  if (g === 0) return true;
  if (compat & COMPAT_SPARSE_SUPER2) {
    return g === sb.readUInt32LE(0x24c) || g === sb.readUInt32LE(0x250);
  }
  if (!(roCompat & RO_COMPAT_SPARSE_SUPER)) return true;
  if (g === 1) return true;
  for (const base of [3, 5, 7]) {
    let power = base;
    while (power < g) power *= base;
    if (power === g) return true;
  }
  return false;
}

/**
 * Blocks at the start of group `g` that hold a superblock copy and descriptors (the kernel's
 * "base meta clusters"): with a superblock copy, 1 + the descriptor table + its reserved growth
 * blocks; in a meta_bg meta group, one descriptor block in its first, second and last group.
 */
function baseMetadataBlocks(
  g: number,
  geo: Geometry,
  fs: { hasSuper: boolean; metaBg: boolean; firstMetaBg: number; reservedGdt: number },
): number {
  const perBlock = geo.blockSize / geo.descSize;
  const superBlocks = fs.hasSuper ? 1 : 0;
  if (!fs.metaBg || g < fs.firstMetaBg * perBlock) {
    const tableBlocks = fs.metaBg ? fs.firstMetaBg : geo.gdtBlocks;
    return fs.hasSuper ? superBlocks + tableBlocks + fs.reservedGdt : 0;
  }
  const inMetaGroup = g % perBlock;
  const holdsDescriptors = inMetaGroup === 0 || inMetaGroup === 1 || inMetaGroup === perBlock - 1;
  return superBlocks + (holdsDescriptors ? 1 : 0);
}

/**
 * meta_bg: the first `firstMetaBg` descriptor blocks follow the superblock as usual; after
 * them, meta group m (the groups m·D … m·D+D−1, D descriptors per block) keeps its one
 * descriptor block in the first block of group m·D, after that group's superblock copy.
 */
async function metaBgDescriptors(
  read: ReadAt,
  geo: Geometry,
  firstMetaBg: number,
  hasSuper: (group: number) => boolean,
  blocksRead: number[],
): Promise<Buffer> {
  const perBlock = geo.blockSize / geo.descSize;
  if (firstMetaBg > geo.gdtBlocks) throw new Distrust('meta_bg starts past the descriptors');
  const blocks: Buffer[] = [];
  if (firstMetaBg > 0) {
    blocks.push(await read((geo.firstDataBlock + 1) * geo.blockSize, firstMetaBg * geo.blockSize));
  }
  for (let m = firstMetaBg; m < geo.gdtBlocks; m++) {
    const group = m * perBlock;
    const at = geo.firstDataBlock + group * geo.blocksPerGroup + (hasSuper(group) ? 1 : 0);
    blocks.push(await read(at * geo.blockSize, geo.blockSize));
    blocksRead.push(at);
  }
  return Buffer.concat(blocks);
}
