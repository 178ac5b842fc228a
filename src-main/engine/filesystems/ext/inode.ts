// An ext inode: what a file is (kind, permission bits, size, modification time) and where its
// bytes are (the 60-byte i_block area: an extent tree, a classic block map, a symlink's
// target, or the start of inline data). Parsed from the inode's raw bytes, trusting nothing:
// a size or a time that cannot be is Damaged, named for the entry that holds it.

import type { EntryKind } from '../browse.js';
import { RO_COMPAT_LARGEDIR, type Superblock } from './superblock.js';
import { Damaged } from './volume.js';

export const FLAG_ENCRYPT = 0x800;
export const FLAG_HUGE_FILE = 0x40000;
export const FLAG_EXTENTS = 0x80000;
export const FLAG_INLINE_DATA = 0x10000000;

/** Offset of i_block, 15 × 4 bytes. */
const I_BLOCK = 0x28;
export const I_BLOCK_SIZE = 60;
const GOOD_OLD_INODE_SIZE = 128;
/** Extra fields past 128 bytes must reach past i_mtime_extra (0x88..0x8c) to hold it. */
const MTIME_EXTRA = 0x88;

export interface Inode {
  ino: number;
  kind: EntryKind;
  /** Permission bits (0o7777). */
  permissions: number;
  /** In bytes, up to 2^53: folders and symlinks use it too (their content's length). */
  size: number;
  mtimeMs: number;
  flags: number;
  /** The 60-byte i_block area. */
  iBlock: Buffer;
  /** 512-byte sectors the inode holds beyond its extended-attribute block (kernel's rule). */
  dataSectors: number;
  /** The whole raw inode: the in-inode extended attributes hold the rest of inline data. */
  raw: Buffer;
  /** Where the in-inode extended attributes start (128 + i_extra_isize), or null. */
  xattrStart: number | null;
}

function kindOf(mode: number): EntryKind {
  switch (mode & 0xf000) {
    case 0x4000:
      return 'folder';
    case 0x8000:
      return 'file';
    case 0xa000:
      return 'symlink';
    default:
      return 'other';
  }
}

/**
 * Seconds since 1970 from a 32-bit signed time and its extra word: the extra word's low two
 * bits extend the seconds past 2038 (and before 1902), the other 30 bits are nanoseconds.
 */
export function timeMs(seconds: number, extra: number | null): number {
  if (extra === null) return seconds * 1000;
  const epoch = extra & 0x3;
  const nanoseconds = extra >>> 2;
  return (seconds + epoch * 2 ** 32) * 1000 + nanoseconds / 1e6;
}

export function parseInode(raw: Buffer, ino: number, sb: Superblock): Inode {
  const mode = raw.readUInt16LE(0x0);
  const links = raw.readUInt16LE(0x1a);
  // A name pointing at an inode no file holds (deleted, or never used): what the kernel calls
  // "deleted inode referenced".
  if (mode === 0 || links === 0) throw new Damaged(`its inode ${ino} is not in use`);
  const kind = kindOf(mode);
  const flags = raw.readUInt32LE(0x20);

  // i_size_high is part of the size for files, and for folders only with largedir (it was
  // i_dir_acl before).
  const sizeHigh =
    kind === 'file' || (kind === 'folder' && sb.roCompat & RO_COMPAT_LARGEDIR)
      ? raw.readUInt32LE(0x6c)
      : 0;
  if (sizeHigh >= 2 ** 21) throw new Damaged(`its size is impossibly large`);
  const size = raw.readUInt32LE(0x4) + sizeHigh * 2 ** 32;

  let xattrStart: number | null = null;
  let mtimeExtra: number | null = null;
  if (sb.inodeSize > GOOD_OLD_INODE_SIZE) {
    const extraIsize = raw.readUInt16LE(0x80);
    if (extraIsize % 4 !== 0 || GOOD_OLD_INODE_SIZE + extraIsize > sb.inodeSize) {
      throw new Damaged(`its inode ${ino} has extra fields of an impossible size`);
    }
    xattrStart = GOOD_OLD_INODE_SIZE + extraIsize;
    if (xattrStart >= MTIME_EXTRA + 4) mtimeExtra = raw.readUInt32LE(MTIME_EXTRA);
  }

  // i_blocks: 48 bits; counted in filesystem blocks instead of sectors with HUGE_FILE_FL.
  const blocksRaw = raw.readUInt32LE(0x1c) + raw.readUInt16LE(0x74) * 2 ** 32;
  const sectors = flags & FLAG_HUGE_FILE ? blocksRaw * (sb.blockSize / 512) : blocksRaw;
  const xattrBlock = raw.readUInt32LE(0x68) + raw.readUInt16LE(0x76) * 2 ** 32;
  const clusterSectors = (sb.blockSize / 512) * sb.clusterRatio;
  const dataSectors = sectors - (xattrBlock !== 0 ? clusterSectors : 0);

  return {
    ino,
    kind,
    permissions: mode & 0o7777,
    size,
    mtimeMs: timeMs(raw.readInt32LE(0x10), mtimeExtra),
    flags,
    iBlock: raw.subarray(I_BLOCK, I_BLOCK + I_BLOCK_SIZE),
    dataSectors,
    raw,
    xattrStart,
  };
}
