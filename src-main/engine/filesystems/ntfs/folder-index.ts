// An NTFS folder is a B+ tree of its children's names (the "$I30" index): the root node sits in
// the folder's MFT record ($INDEX_ROOT), the other nodes in index blocks ("INDX" records with
// update sequence fixups) in the folder's $INDEX_ALLOCATION. Each entry holds a child's MFT
// reference and a copy of its $FILE_NAME; an entry may point to a child node holding the names
// that sort before it, and each node ends with a keyless entry (that may point too).
// Walking it in order (child node first, then the entry) gives the names sorted.

import { Distrust } from '../../read-at.js';
import { parseFileName, type FileName } from './attribute-values.js';
import { applyFixups, ATTR_FILE_NAME } from './records.js';

export interface IndexEntry {
  record: number;
  /** The record's sequence number when the entry was written (0: not checked). */
  sequence: number;
  fileName: FileName;
}

/** One entry of a node: a name (none in the last entry) and maybe a child node. */
interface NodeEntry {
  entry?: IndexEntry;
  /** VCN of the child node (in index-block units, see vcnBytes). */
  child?: number;
}

export interface IndexRoot {
  /** Bytes per index block (node) in $INDEX_ALLOCATION. */
  blockSize: number;
  entries: NodeEntry[];
}

const ENTRY_HAS_CHILD = 0x1;
const ENTRY_LAST = 0x2;
const ENTRY_HEADER = 16;
const NODE_HEADER = 16;
/** A B+ tree of a million names is 4 or 5 levels deep: 32 is damage (or a loop). */
const MAX_DEPTH = 32;

/** The $INDEX_ROOT value of a folder's $I30: the block size and the root node's entries. */
export function parseIndexRoot(value: Buffer, what: string): IndexRoot {
  if (value.length < 0x10 + NODE_HEADER)
    throw new Distrust(`NTFS ${what}: index root is too short`);
  if (value.readUInt32LE(0) !== ATTR_FILE_NAME) {
    throw new Distrust(`NTFS ${what}: index root does not index file names`);
  }
  const blockSize = value.readUInt32LE(8);
  if (blockSize < 512 || blockSize > 65536 || (blockSize & (blockSize - 1)) !== 0) {
    throw new Distrust(`NTFS ${what}: index block size ${blockSize} is implausible`);
  }
  return { blockSize, entries: parseNode(value, 0x10, what) };
}

/** An index block read from $INDEX_ALLOCATION (a private copy: fixups apply in place). */
export function parseIndexBlock(block: Buffer, vcn: number, what: string): NodeEntry[] {
  const where = `${what} index block ${vcn}`;
  const magic = block.toString('latin1', 0, 4);
  if (magic !== 'INDX') throw new Distrust(`NTFS ${where}: no INDX signature`);
  applyFixups(block, where);
  const says = block.readBigUInt64LE(0x10);
  if (says !== BigInt(vcn)) throw new Distrust(`NTFS ${where}: says it is block ${says}`);
  return parseNode(block, 0x18, where);
}

/** The entries of the node whose header is at `header` in `bytes`. */
function parseNode(bytes: Buffer, header: number, what: string): NodeEntry[] {
  const bad = (why: string) => new Distrust(`NTFS ${what}: ${why}`);
  if (header + NODE_HEADER > bytes.length) throw bad('index node header does not fit');
  const first = header + bytes.readUInt32LE(header);
  const end = header + bytes.readUInt32LE(header + 4);
  if (first < header + NODE_HEADER || first % 8 !== 0 || end > bytes.length || first >= end) {
    throw bad('index node sizes do not fit');
  }
  const entries: NodeEntry[] = [];
  for (let at = first; ;) {
    if (at + ENTRY_HEADER > end) throw bad('index node has no last entry');
    const length = bytes.readUInt16LE(at + 8);
    const keyLength = bytes.readUInt16LE(at + 10);
    const flags = bytes.readUInt16LE(at + 12);
    if (length < ENTRY_HEADER || length % 8 !== 0 || at + length > end) {
      throw bad('index entry has a bad length');
    }
    const node: NodeEntry = {};
    const keyEnd = at + ENTRY_HEADER + keyLength;
    if (flags & ENTRY_HAS_CHILD) {
      if (length < ENTRY_HEADER + 8 || keyEnd > at + length - 8) throw bad('index entry too short');
      const child = bytes.readBigUInt64LE(at + length - 8);
      if (child > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('index entry points nowhere');
      node.child = Number(child);
    }
    if (!(flags & ENTRY_LAST)) {
      if (keyEnd > at + length) throw bad('index entry key runs off the entry');
      const reference = bytes.readBigUInt64LE(at);
      node.entry = {
        record: Number(reference & 0xffffffffffffn),
        sequence: Number(reference >> 48n),
        fileName: parseFileName(bytes.subarray(at + ENTRY_HEADER, keyEnd), what),
      };
    }
    entries.push(node);
    if (flags & ENTRY_LAST) return entries;
    at += length;
  }
}

/**
 * Every entry of the tree, in order. `readBlock` reads the index block at a VCN (a private
 * copy). Each block is visited at most once (a block pointed to twice is a loop), the tree is
 * at most MAX_DEPTH deep, and at most `maxEntries` entries are gathered.
 */
export async function walkIndex(
  root: IndexRoot,
  readBlock: (vcn: number) => Promise<Buffer>,
  maxEntries: number,
  what: string,
): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  const visited = new Set<number>();
  const walk = async (entries: NodeEntry[], depth: number): Promise<void> => {
    for (const { entry, child } of entries) {
      if (child !== undefined) {
        if (depth >= MAX_DEPTH)
          throw new Distrust(`NTFS ${what}: index is deeper than ${MAX_DEPTH}`);
        if (visited.has(child))
          throw new Distrust(`NTFS ${what}: index block ${child} is used twice`);
        visited.add(child);
        await walk(parseIndexBlock(await readBlock(child), child, what), depth + 1);
      }
      if (entry) {
        if (out.length >= maxEntries) {
          throw new Distrust(`NTFS ${what}: more than ${maxEntries} entries`);
        }
        out.push(entry);
      }
    }
  };
  await walk(root.entries, 0);
  return out;
}
