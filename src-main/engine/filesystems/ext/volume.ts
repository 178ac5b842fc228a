// One opened ext filesystem, as the browse reader sees it: its superblock, and the only ways
// to read its bytes. Every read is checked here, once, against the filesystem's size and a
// cap, so no number from the disk can make the reader read outside the filesystem or ask
// for an allocation the size of a lie. Group descriptors are read one block at a time, when
// an inode needs them, and kept (bounded).

import type { ReadAt } from '../../read-at.js';
import {
  descriptorBlock,
  parseDescriptor,
  RO_COMPAT_GDT_CSUM,
  RO_COMPAT_METADATA_CSUM,
  superblockBlock,
  type GroupDescriptor,
  type Superblock,
} from './superblock.js';

/** The largest read the browse reader ever makes (and the largest chunk of a file it gives). */
export const MAX_READ = 1024 * 1024;
/** Descriptor blocks kept: 256 blocks of 4 KiB describe 16,384 groups (2 TiB). */
const DESCRIPTOR_BLOCKS_KEPT = 256;
const INODE_UNINIT = 0x1;
/** Inodes of one list() read together when they lie this close in the inode table. */
const INODE_GAP_READ = 256 * 1024;

/** A structure on the disk that cannot be right; the browse reader names the entry it is in. */
export class Damaged extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Damaged';
  }
}

export class Volume {
  private readonly descriptorBlocks = new Map<number, Buffer>();
  readonly bytes: number;
  private readonly inodeTableBlocks: number;
  /** The superblock's block: nothing of a file lies there or before. */
  private readonly firstBlock: number;

  constructor(
    private readonly readAt: ReadAt,
    readonly sb: Superblock,
  ) {
    this.bytes = sb.blocks * sb.blockSize;
    this.inodeTableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / sb.blockSize);
    this.firstBlock = superblockBlock(sb);
  }

  get blockSize(): number {
    return this.sb.blockSize;
  }

  /** `length` bytes at byte `offset` of the filesystem; never past its end, never over 1 MiB. */
  async readBytes(offset: number, length: number): Promise<Buffer> {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      length > MAX_READ ||
      offset + length > this.bytes
    ) {
      throw new Damaged('it points past the end of the filesystem');
    }
    const bytes = await this.readAt(offset, length);
    if (bytes.byteLength !== length) throw new Damaged('the image ends before its data');
    return bytes;
  }

  /**
   * Throws unless blocks [first, first+count) can hold file data or metadata: inside the
   * filesystem, and past the superblock's block (block 0, or 1 with 1 KiB blocks).
   */
  checkBlocks(first: number, count: number, what: string): void {
    if (
      !Number.isSafeInteger(first) ||
      first <= this.firstBlock ||
      count < 1 ||
      first + count > this.sb.blocks
    ) {
      throw new Damaged(`${what} points outside the filesystem (block ${first})`);
    }
  }

  async readBlocks(first: number, count: number, what: string): Promise<Buffer> {
    this.checkBlocks(first, count, what);
    return this.readBytes(first * this.blockSize, count * this.blockSize);
  }

  async descriptor(group: number): Promise<GroupDescriptor> {
    const { blockSize, descSize } = this.sb;
    const perBlock = blockSize / descSize;
    const m = Math.floor(group / perBlock);
    let block = this.descriptorBlocks.get(m);
    if (!block) {
      block = await this.readBlocks(descriptorBlock(this.sb, m), 1, 'a group descriptor');
      if (this.descriptorBlocks.size >= DESCRIPTOR_BLOCKS_KEPT) {
        this.descriptorBlocks.delete(this.descriptorBlocks.keys().next().value!);
      }
      this.descriptorBlocks.set(m, block);
    }
    const at = (group % perBlock) * descSize;
    return parseDescriptor(block.subarray(at, at + descSize), descSize);
  }

  /** Where inode `ino` lies: its byte offset, after checking it can be a file's inode. */
  async inodeOffset(ino: number): Promise<number> {
    const { sb } = this;
    if (!Number.isSafeInteger(ino) || ino < 1 || ino > sb.inodesCount) {
      throw new Damaged(`its inode number ${ino} is outside the filesystem`);
    }
    if (ino < sb.firstInode && ino !== ROOT_INODE) {
      throw new Damaged(`its inode number ${ino} is reserved for the filesystem itself`);
    }
    const group = Math.floor((ino - 1) / sb.inodesPerGroup);
    const index = (ino - 1) % sb.inodesPerGroup;
    const descriptor = await this.descriptor(group);
    const checksums = (sb.roCompat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)) !== 0;
    // With descriptor checksums, mkfs may leave the unused end of an inode table unwritten
    // (old bytes); the kernel never reads an inode there, and neither does this reader.
    if (
      checksums &&
      (descriptor.flags & INODE_UNINIT || index >= sb.inodesPerGroup - descriptor.itableUnused)
    ) {
      throw new Damaged(`its inode ${ino} lies in a part of the inode table never used`);
    }
    this.checkBlocks(descriptor.inodeTable, this.inodeTableBlocks, 'an inode table');
    return descriptor.inodeTable * sb.blockSize + index * sb.inodeSize;
  }

  /**
   * The raw inodes `inos` (an inode that cannot be read is its Damaged instead): inodes that
   * lie close together in the inode tables come in one read, so listing a folder of
   * thousands of files takes a few large reads, not thousands of small ones.
   */
  async readInodes(inos: readonly number[]): Promise<Map<number, Buffer | Damaged>> {
    const { inodeSize } = this.sb;
    const found = new Map<number, Buffer | Damaged>();
    const placed: Array<{ ino: number; offset: number }> = [];
    for (const ino of new Set(inos)) {
      try {
        placed.push({ ino, offset: await this.inodeOffset(ino) });
      } catch (error) {
        if (!(error instanceof Damaged)) throw error;
        found.set(ino, error);
      }
    }
    placed.sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < placed.length;) {
      const start = placed[i]!.offset;
      let j = i + 1;
      while (
        j < placed.length &&
        placed[j]!.offset - placed[j - 1]!.offset <= INODE_GAP_READ &&
        placed[j]!.offset + inodeSize - start <= MAX_READ
      ) {
        j++;
      }
      const span = await this.readBytes(start, placed[j - 1]!.offset + inodeSize - start);
      for (const { ino, offset } of placed.slice(i, j)) {
        // A copy: a kept inode must not keep the whole span alive.
        found.set(ino, Buffer.from(span.subarray(offset - start, offset - start + inodeSize)));
      }
      i = j;
    }
    return found;
  }
}

export const ROOT_INODE = 2;
