// The file allocation table as the browse readers use it: one entry at a time, read from the
// image in chunks as cluster chains need them, with a bounded number of chunks kept. FAT12's
// and FAT16's tables are small (at most 6 KiB and 128 KiB) and are read whole; FAT32's and
// exFAT's can be hundreds of MiB, of which a chain touches a few entries.

import type { ReadAt } from '../../read-at.js';

/** What an entry says after its cluster: the next cluster, or one of these. */
export const END_OF_CHAIN = -1;
export const BAD_CLUSTER = -2;
export const FREE_CLUSTER = 0;

export type FatFormat = 12 | 16 | 32 | 'exfat';

const CHUNK_BYTES = 64 * 1024;
/** 4 MiB of FAT32/exFAT entries kept (a million clusters' worth). */
const CHUNKS_KEPT = 64;

export interface FatTable {
  /** The entry of `cluster` (which the caller has checked is a cluster of the volume). */
  next(cluster: number): Promise<number>;
}

/**
 * The table at `offset` (bytes, in the partition), `bytes` long, whose entries the volume's
 * `clusterCount` clusters (numbers 2 … clusterCount + 1) use.
 */
export function fatTable(
  read: ReadAt,
  format: FatFormat,
  offset: number,
  bytes: number,
  clusterCount: number,
): FatTable {
  const entryBits = format === 'exfat' ? 32 : format;
  // The bytes the volume's entries span; the table may be longer (rounded up to sectors).
  const span = Math.min(bytes, Math.ceil(((clusterCount + 2) * entryBits) / 8));
  if (format === 12 || format === 16) return smallTable(read, format, offset, span);
  return chunkedTable(read, format, offset, span);
}

function smallTable(read: ReadAt, format: 12 | 16, offset: number, span: number): FatTable {
  let table: Promise<Buffer> | undefined;
  return {
    async next(cluster) {
      if (!table) {
        table = read(offset, span);
        table.catch(() => (table = undefined)); // a failed read is tried again next time
      }
      const fat = await table;
      if (format === 16) {
        const value = fat.readUInt16LE(cluster * 2);
        return value >= 0xfff8 ? END_OF_CHAIN : value === 0xfff7 ? BAD_CLUSTER : value;
      }
      // FAT12: an entry is 12 bits, two entries share three bytes.
      const pair = fat.readUInt16LE(Math.floor((cluster * 3) / 2));
      const value = cluster & 1 ? pair >> 4 : pair & 0xfff;
      return value >= 0xff8 ? END_OF_CHAIN : value === 0xff7 ? BAD_CLUSTER : value;
    },
  };
}

function chunkedTable(read: ReadAt, format: 32 | 'exfat', offset: number, span: number): FatTable {
  // Insertion order of a Map is its age: the first key is the least recently used.
  const chunks = new Map<number, Promise<Buffer>>();
  const chunkOf = (index: number): Promise<Buffer> => {
    let chunk = chunks.get(index);
    if (chunk) {
      chunks.delete(index);
    } else {
      const start = index * CHUNK_BYTES;
      chunk = read(offset + start, Math.min(CHUNK_BYTES, span - start));
      chunk.catch(() => chunks.delete(index)); // a failed read is tried again next time
      if (chunks.size >= CHUNKS_KEPT) chunks.delete(chunks.keys().next().value!);
    }
    chunks.set(index, chunk);
    return chunk;
  };
  return {
    async next(cluster) {
      const at = cluster * 4;
      const index = Math.floor(at / CHUNK_BYTES);
      const value = (await chunkOf(index)).readUInt32LE(at - index * CHUNK_BYTES);
      if (format === 'exfat') {
        return value === 0xffffffff ? END_OF_CHAIN : value === 0xfffffff7 ? BAD_CLUSTER : value;
      }
      // FAT32 entries are 28 bits; the top four are reserved.
      const entry = value & 0x0fffffff;
      return entry >= 0x0ffffff8 ? END_OF_CHAIN : entry === 0x0ffffff7 ? BAD_CLUSTER : entry;
    },
  };
}
