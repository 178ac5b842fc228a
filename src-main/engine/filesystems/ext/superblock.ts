// The ext2/3/4 superblock and block group descriptors: the geometry both ext readers start
// from (the allocation reader for used blocks, the browse reader for files). Only what is
// laid out on disk is decided here; what each reader does about a feature is its own policy.
//
// Every number is checked against the partition before anything is computed from it: a
// geometry that does not fit throws Distrust, with words the allocation plan shows as is.

import { Distrust } from '../../read-at.js';

export const EXT_MAGIC = 0xef53;
/** The superblock's place: always 1024 bytes into the partition, 1024 bytes long. */
export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;

export const COMPAT_HAS_JOURNAL = 0x4;
export const COMPAT_SPARSE_SUPER2 = 0x200;
export const INCOMPAT_RECOVER = 0x4;
export const INCOMPAT_EXTENTS = 0x40;
export const INCOMPAT_64BIT = 0x80;
export const INCOMPAT_META_BG = 0x10;
export const INCOMPAT_FLEX_BG = 0x200;
export const INCOMPAT_ENCRYPT = 0x10000;
export const INCOMPAT_CASEFOLD = 0x20000;
export const RO_COMPAT_SPARSE_SUPER = 0x1;
export const RO_COMPAT_GDT_CSUM = 0x10;
export const RO_COMPAT_BIGALLOC = 0x200;
export const RO_COMPAT_METADATA_CSUM = 0x400;
export const RO_COMPAT_LARGEDIR = 0x4000;
export const RO_COMPAT_VERITY = 0x8000;

const MAX_GROUPS = 2 ** 22;

/** The feature words, readable before anything else is trusted. */
export interface Features {
  compat: number;
  incompat: number;
  roCompat: number;
  /** What the superblock's features make it: extents or flex_bg → ext4, a journal → ext3. */
  filesystem: 'ext2' | 'ext3' | 'ext4';
}

export interface Superblock extends Features {
  blockSize: number;
  /** Blocks per allocation cluster: 1, or 2^n with bigalloc. */
  clusterRatio: number;
  /** Blocks in the filesystem (64-bit with the 64bit feature). */
  blocks: number;
  /** 1 with 1 KiB blocks (block 0 is the boot block), else 0. */
  firstDataBlock: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  inodesCount: number;
  /** The first inode a file may have; those below it (but the root, 2) are the filesystem's. */
  firstInode: number;
  inodeSize: number;
  descSize: number;
  reservedGdt: number;
  groups: number;
  /** Blocks the whole descriptor table would take. */
  gdtBlocks: number;
  metaBg: boolean;
  firstMetaBg: number;
  /** s_state: bit 0x2 means errors were recorded. */
  state: number;
  label: string;
  uuid: string;
  /** The raw superblock, for the rare field only one reader needs. */
  raw: Buffer;
}

export interface GroupDescriptor {
  blockBitmap: number;
  inodeBitmap: number;
  inodeTable: number;
  flags: number;
  /** Inodes at the end of the group's table never handed out (with descriptor checksums). */
  itableUnused: number;
}

/** Whether these 1024 bytes (read at SUPERBLOCK_OFFSET) are an ext superblock at all. */
export function isExtSuperblock(sb: Buffer): boolean {
  return sb.byteLength >= SUPERBLOCK_SIZE && sb.readUInt16LE(0x38) === EXT_MAGIC;
}

export function featuresOf(sb: Buffer): Features {
  const compat = sb.readUInt32LE(0x5c);
  const incompat = sb.readUInt32LE(0x60);
  const roCompat = sb.readUInt32LE(0x64);
  const filesystem =
    incompat & INCOMPAT_EXTENTS || incompat & INCOMPAT_FLEX_BG
      ? 'ext4'
      : compat & COMPAT_HAS_JOURNAL
        ? 'ext3'
        : 'ext2';
  return { compat, incompat, roCompat, filesystem };
}

/** ext keeps its UUID in byte order: printed as is (blkid's form). */
function uuidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The geometry of a superblock whose magic is right, checked against a partition of `size`
 * bytes: blocks inside it, groups, inode and descriptor sizes that can exist.
 */
export function parseSuperblock(sb: Buffer, size: number): Superblock {
  const features = featuresOf(sb);
  const { filesystem, incompat, roCompat } = features;
  const logBlock = sb.readUInt32LE(0x18);
  if (logBlock > 6) throw new Distrust('block size');
  const blockSize = 1024 << logBlock;
  // With bigalloc, allocation goes by clusters of 2^n blocks and a group spans that many more
  // blocks; everything else (inodes, extents, descriptors) still counts blocks.
  const logCluster = sb.readUInt32LE(0x1c);
  const clusterRatio =
    roCompat & RO_COMPAT_BIGALLOC && logCluster >= logBlock && logCluster - logBlock <= 16
      ? 2 ** (logCluster - logBlock)
      : 1;
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  const blocks = sb.readUInt32LE(0x4) + (is64 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
  const firstDataBlock = sb.readUInt32LE(0x14);
  const blocksPerGroup = sb.readUInt32LE(0x20);
  const inodesPerGroup = sb.readUInt32LE(0x28);
  const revLevel = sb.readUInt32LE(0x4c);
  const inodeSize = revLevel >= 1 ? sb.readUInt16LE(0x58) : 128;
  const firstInode = revLevel >= 1 ? sb.readUInt32LE(0x54) : 11;
  const descSize = is64 ? sb.readUInt16LE(0xfe) : 32;
  const reservedGdt = sb.readUInt16LE(0xce);
  if (
    blocks * blockSize > size ||
    blocks <= firstDataBlock ||
    blocksPerGroup === 0 ||
    blocksPerGroup > blockSize * 8 * clusterRatio ||
    inodeSize < 128 ||
    inodeSize > blockSize ||
    !descriptorSizeOk(descSize, is64)
  ) {
    throw new Distrust(`${filesystem} superblock values do not fit the partition`);
  }
  const groups = Math.ceil((blocks - firstDataBlock) / blocksPerGroup);
  if (groups > MAX_GROUPS) throw new Distrust('too many block groups');
  const gdtBlocks = Math.ceil((groups * descSize) / blockSize);
  const label = sb.toString('latin1', 0x78, 0x88).replace(/\0.*$/s, '');
  return {
    ...features,
    blockSize,
    clusterRatio,
    blocks,
    firstDataBlock,
    blocksPerGroup,
    inodesPerGroup,
    inodesCount: sb.readUInt32LE(0x0),
    firstInode,
    inodeSize,
    descSize,
    reservedGdt,
    groups,
    gdtBlocks,
    metaBg: (incompat & INCOMPAT_META_BG) !== 0,
    firstMetaBg: sb.readUInt32LE(0x104),
    state: sb.readUInt16LE(0x3a),
    label,
    uuid: uuidText(sb.subarray(0x68, 0x78)),
    raw: sb,
  };
}

/** Whether group `g` begins with a superblock copy (and so its descriptor block comes after). */
export function hasSuperblock(sb: Superblock, g: number): boolean {
  if (g === 0) return true;
  if (sb.compat & COMPAT_SPARSE_SUPER2) {
    return g === sb.raw.readUInt32LE(0x24c) || g === sb.raw.readUInt32LE(0x250);
  }
  if (!(sb.roCompat & RO_COMPAT_SPARSE_SUPER)) return true;
  if (g === 1) return true;
  for (const base of [3, 5, 7]) {
    let power = base;
    while (power < g) power *= base;
    if (power === g) return true;
  }
  return false;
}

/** The block that holds the superblock: block 1 with 1 KiB blocks, else block 0. */
export function superblockBlock(sb: Superblock): number {
  return Math.floor(SUPERBLOCK_OFFSET / sb.blockSize);
}

/**
 * The block that holds descriptor block `m` (descriptors m·D … m·D+D−1, D per block). Without
 * meta_bg they are one table right after the superblock's block. With meta_bg, the first
 * `firstMetaBg` blocks are that table; after them, meta group m keeps its descriptor block in
 * the first block of group m·D, after that group's superblock copy (the kernel's rule, with
 * its case of 1 KiB blocks whose first data block is 0, as bigalloc makes them).
 */
export function descriptorBlock(sb: Superblock, m: number): number {
  if (!sb.metaBg || m < sb.firstMetaBg) return superblockBlock(sb) + 1 + m;
  const group = m * (sb.blockSize / sb.descSize);
  let before = hasSuperblock(sb, group) ? 1 : 0;
  if (sb.blockSize === 1024 && m === 0 && sb.firstDataBlock === 0) before++;
  return sb.firstDataBlock + group * sb.blocksPerGroup + before;
}

/**
 * The descriptor sizes the kernel mounts: 32 bytes without 64bit; with it a power of two from
 * 64 to 1024. Any other size makes descriptors straddle blocks, and meta_bg's descriptors-per-
 * block a fraction (found by fuzzing: a descriptor block then read at byte 5593429.33).
 */
function descriptorSizeOk(descSize: number, is64: boolean): boolean {
  if (!is64) return descSize === 32;
  return descSize >= 64 && descSize <= 1024 && (descSize & (descSize - 1)) === 0;
}

/** One group's descriptor, from its `descSize` bytes (the high halves only in 64-byte ones). */
export function parseDescriptor(d: Buffer, descSize: number): GroupDescriptor {
  const hi = (at: number) => (descSize >= 64 ? d.readUInt32LE(at) * 2 ** 32 : 0);
  return {
    blockBitmap: d.readUInt32LE(0x0) + hi(0x20),
    inodeBitmap: d.readUInt32LE(0x4) + hi(0x24),
    inodeTable: d.readUInt32LE(0x8) + hi(0x28),
    flags: d.readUInt16LE(0x12),
    itableUnused: d.readUInt16LE(0x1c) + (descSize >= 64 ? d.readUInt16LE(0x32) * 2 ** 16 : 0),
  };
}
