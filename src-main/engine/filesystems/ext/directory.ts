// ext folders: blocks of variable-length records (inode, record length, name length, file
// type, name). A record of inode 0 is free space; '.' and '..' are records like any other.
//
// Indexed (htree) folders are read the same way, every block in order. That is correct by
// the format's design: the index lives in records the linear format reads as free space
// (block 0's '..' record spans the index root; every other index block is one free record
// the size of the block), and every name lives in exactly one leaf block. So a linear read
// gives each name once, as ext2 drivers that never knew htree still do. The checksum tail of
// a metadata_csum block is a free record too.
//
// inline_data folders keep their records inside the inode: after a 4-byte parent number in
// i_block, and in the "system.data" attribute.

import { pieces, runsOf } from './content.js';
import { FLAG_INLINE_DATA, I_BLOCK_SIZE, type Inode } from './inode.js';
import { systemData } from './inline-data.js';
import { Damaged, type Volume } from './volume.js';

/** A name in a folder and the inode it stands for. */
export interface DirectoryRecord {
  inode: number;
  name: string;
}

const RECORD_HEADER = 8;
/** Folders larger than this are not listed: about 5 million names, far past real folders. */
const MAX_FOLDER_BYTES = 256 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8');

/** A record length as stored: 64 KiB blocks write their one full-block record as 0 or 65535. */
function recordLength(stored: number, blockSize: number): number {
  if (blockSize >= 65536 && (stored === 0 || stored === 65535)) return 65536;
  return stored;
}

/** The records of one block (or inline area) of a folder, free ones left out. */
export function parseRecords(area: Buffer, blockSize: number, into: DirectoryRecord[]): void {
  let at = 0;
  while (at < area.byteLength) {
    if (at + RECORD_HEADER > area.byteLength) throw new Damaged('a record runs past its block');
    const inode = area.readUInt32LE(at);
    const length = recordLength(area.readUInt16LE(at + 4), blockSize);
    const nameLength = area[at + 6]!;
    // A length under 8 would never move on (a length of 0 loops forever in a naive reader).
    if (length < RECORD_HEADER || length % 4 !== 0 || at + length > area.byteLength) {
      throw new Damaged(`a record at byte ${at} of a block has an impossible length`);
    }
    if (inode !== 0) {
      if (RECORD_HEADER + nameLength > length || nameLength === 0) {
        throw new Damaged(`a record at byte ${at} of a block has an impossible name`);
      }
      const bytes = area.subarray(at + RECORD_HEADER, at + RECORD_HEADER + nameLength);
      // A name with '/' or NUL could never be made by the kernel, and would be a path.
      if (bytes.includes(0x2f) || bytes.includes(0)) {
        throw new Damaged('a name in it holds "/" or a zero byte');
      }
      const name = utf8.decode(bytes);
      if (name !== '.' && name !== '..') into.push({ inode, name });
    }
    at += length;
  }
}

/** Every name of a folder, in the order its blocks keep them. */
export async function readDirectory(volume: Volume, folder: Inode): Promise<DirectoryRecord[]> {
  const records: DirectoryRecord[] = [];
  const { blockSize } = volume;
  if (folder.flags & FLAG_INLINE_DATA) {
    parseRecords(folder.iBlock.subarray(4, I_BLOCK_SIZE), blockSize, records);
    const rest = systemData(folder);
    if (rest.byteLength > 0) parseRecords(rest, blockSize, records);
    return records;
  }
  if (folder.size % blockSize !== 0) throw new Damaged('its size is not whole blocks');
  if (folder.size > MAX_FOLDER_BYTES) throw new Damaged('it is too large to list');
  // Holes in a folder hold no records (the kernel skips them too); only data is parsed.
  for await (const piece of pieces(volume, runsOf(volume, folder, folder.size), folder.size)) {
    if (!('data' in piece)) continue;
    for (let at = 0; at < piece.data.byteLength; at += blockSize) {
      parseRecords(piece.data.subarray(at, at + blockSize), blockSize, records);
    }
  }
  return records;
}
