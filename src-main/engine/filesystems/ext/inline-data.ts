// inline_data: a small file, folder or symlink kept inside its inode. The first 60 bytes are in
// i_block; the rest, if any, is the value of the extended attribute "system.data", which the
// kernel always keeps in the inode's own extended-attribute area (after i_extra_isize),
// never in an attribute block.

import { I_BLOCK_SIZE, type Inode } from './inode.js';
import { Damaged } from './volume.js';

const XATTR_MAGIC = 0xea020000;
/** Attribute name index of "system." names. */
const INDEX_SYSTEM = 7;
const ENTRY_HEADER = 16;

/** The bytes of "system.data" in the inode's extended-attribute area (empty when absent). */
export function systemData(inode: Inode): Buffer {
  const { raw, xattrStart } = inode;
  if (xattrStart === null || xattrStart + 4 > raw.byteLength) return Buffer.alloc(0);
  if (raw.readUInt32LE(xattrStart) !== XATTR_MAGIC) return Buffer.alloc(0);
  // Value offsets count from the first entry, right after the magic.
  const first = xattrStart + 4;
  let at = first;
  // Entries end at four zero bytes; each entry is at least 16 bytes, so this ends.
  while (at + 4 <= raw.byteLength && raw.readUInt32LE(at) !== 0) {
    if (at + ENTRY_HEADER > raw.byteLength) break;
    const nameLength = raw[at]!;
    const nameIndex = raw[at + 1]!;
    const valueOffset = raw.readUInt16LE(at + 2);
    const valueInode = raw.readUInt32LE(at + 4);
    const valueSize = raw.readUInt32LE(at + 8);
    const nameEnd = at + ENTRY_HEADER + nameLength;
    if (nameEnd > raw.byteLength) throw new Damaged('its extended attributes are damaged');
    const name = raw.toString('latin1', at + ENTRY_HEADER, nameEnd);
    if (nameIndex === INDEX_SYSTEM && name === 'data') {
      if (valueInode !== 0 || first + valueOffset + valueSize > raw.byteLength) {
        throw new Damaged('its inline data lies outside its inode');
      }
      return raw.subarray(first + valueOffset, first + valueOffset + valueSize);
    }
    at = (nameEnd + 3) & ~3;
  }
  return Buffer.alloc(0);
}

/** A file's (or symlink's) whole inline content: i_block, then "system.data", `size` bytes. */
export function inlineContent(inode: Inode): Buffer {
  const head = inode.iBlock.subarray(0, Math.min(inode.size, I_BLOCK_SIZE));
  if (inode.size <= I_BLOCK_SIZE) return Buffer.from(head);
  const rest = systemData(inode);
  if (I_BLOCK_SIZE + rest.byteLength < inode.size) {
    throw new Damaged('its inline data is shorter than its size');
  }
  return Buffer.concat([head, rest.subarray(0, inode.size - I_BLOCK_SIZE)]);
}
