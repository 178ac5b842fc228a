// The partitions of the drive an image holds, as browsing sees them: where each one is, what
// its filesystem and label are, how much of it is used, and whether its files can be read
// (a browse reader opened it) or why not. The manifest says where the partitions are when
// the image has one; otherwise the table is read from the image itself. A filesystem on the
// whole drive, with no partition table, is partition 1.

import type { Partition } from '../../../src-shared/manifest.js';
import { ALLOCATION_READERS } from '../filesystems/allocation-readers.js';
import { BrowseError, type FilesystemTree } from '../filesystems/browse.js';
import { BROWSE_READERS } from '../filesystems/browse-readers.js';
import type { FoundPartition } from '../partition-table/found-partition.js';
import { readPartitionTable, TYPE_NAMES } from '../partition-table/read-table.js';
import type { ImageReader } from '../random-access/image-reader.js';
import { totalLength } from '../ranges.js';
import { Distrust, type ReadAt } from '../read-at.js';
import { SpillwayError } from '../errors.js';

export interface ImagePartition {
  /** 1-based, as in /dev/sdb1; 1 for a filesystem on the whole drive. */
  index: number;
  /** Byte offset and length on the drive. */
  start: number;
  size: number;
  /** GPT type GUID, MBR type byte ("0x83"), or 'none' (no partition table). */
  type: string;
  typeName: string | null;
  /** GPT partition name. */
  name: string | null;
  /** 'ext4', 'vfat', 'exfat', 'ntfs', 'swap'…; null when none was recognised. */
  filesystem: string | null;
  label: string | null;
  /** Bytes its filesystem uses, when known. */
  usedBytes: number | null;
  /** Its files can be listed and read. */
  browsable: boolean;
  /** Why its files cannot be read, when they cannot. */
  problem: string | null;
  /** What the browse reader does not show, said once. */
  notes: string[];
}

export interface PartitionLayout {
  /** 'gpt' or 'mbr'; null: no partition table (a filesystem on the whole drive, or none). */
  table: 'gpt' | 'mbr' | null;
  partitions: ImagePartition[];
  /** Why no partition could be found, when none was. */
  problem: string | null;
}

/** A partition found, and its filesystem opened for browsing when that was possible. */
export interface OpenedPartition {
  partition: ImagePartition;
  tree: FilesystemTree | null;
}

/** Reads of the partition's bytes; the readers check their own bounds, this is the last. */
export function partitionReadAt(reader: ImageReader, start: number, size: number): ReadAt {
  return (position, length) => {
    if (position < 0 || length < 0 || position + length > size) {
      throw new BrowseError('damaged', '/', 'the filesystem points past the end of its partition');
    }
    return reader.read(start + position, length);
  };
}

/** Finds the partitions and opens each one's filesystem. */
export async function openPartitions(
  reader: ImageReader,
): Promise<{ table: PartitionLayout['table']; problem: string | null; opened: OpenedPartition[] }> {
  const { table, problem, found } = await findPartitions(reader);
  const opened: OpenedPartition[] = [];
  for (const part of found) opened.push(await openPartition(reader, part));
  return { table, problem, opened };
}

interface Found {
  table: PartitionLayout['table'];
  problem: string | null;
  found: Array<FoundPartition & { row?: Partition }>;
}

async function findPartitions(reader: ImageReader): Promise<Found> {
  const manifest = reader.manifest;
  if (manifest?.partitionTable) {
    const { type, partitions } = manifest.partitionTable;
    return {
      table: type,
      problem: null,
      found: partitions
        .filter((row) => !/extended partition/.test(row.reason ?? ''))
        .map((row) => ({ ...row, row })),
    };
  }
  const sectorSize = manifest?.source.logicalSectorSize ?? 512;
  const read: ReadAt = (position, length) => {
    if (position < 0 || length < 0 || position + length > reader.size) {
      throw new Distrust('a structure points past the end of the drive');
    }
    return reader.read(position, length);
  };
  const table = await readPartitionTable(read, reader.size, sectorSize);
  if (table && 'distrust' in table) return { table: null, problem: table.distrust, found: [] };
  if (!table) {
    const whole = { index: 1, start: 0, size: reader.size, type: 'none' };
    return { table: null, problem: null, found: [whole] };
  }
  return {
    table: table.header.type,
    problem: null,
    found: table.partitions.filter((p) => !p.container),
  };
}

async function openPartition(
  reader: ImageReader,
  found: FoundPartition & { row?: Partition },
): Promise<OpenedPartition> {
  const read = partitionReadAt(reader, found.start, found.size);
  const row = found.row;
  const base: ImagePartition = {
    index: found.index,
    start: found.start,
    size: found.size,
    type: found.type,
    typeName: row?.typeName ?? TYPE_NAMES[found.type] ?? null,
    name: found.name ?? null,
    filesystem: row?.filesystem ?? null,
    label: row?.label ?? null,
    usedBytes: row?.usedBytes ?? null,
    browsable: false,
    problem: null,
    notes: [],
  };
  let tree: FilesystemTree | null = null;
  let problem: string | null = null;
  for (const browse of BROWSE_READERS) {
    try {
      tree = await browse.open(read, found.size);
    } catch (error) {
      if (!isEntryProblem(error)) throw error;
      problem = (error instanceof BrowseError ? error.reason : error.message).replace(/\.$/, '');
      break;
    }
    if (tree) break;
  }
  // The manifest's and the allocation readers' names are the more precise (fat16, fat32).
  const partition: ImagePartition = tree
    ? {
        ...base,
        filesystem: base.filesystem ?? tree.filesystem,
        label: tree.label ?? base.label,
        browsable: true,
        notes: tree.notes,
      }
    : { ...base, problem: problem ?? 'no filesystem Spillway can read files from' };
  if (partition.usedBytes === null || row === undefined) {
    const allocation = await allocationOf(read, found.size);
    if (allocation) {
      partition.filesystem = allocation.filesystem;
      partition.usedBytes = allocation.usedBytes;
      partition.label ??= allocation.label;
    }
  }
  return { partition, tree };
}

/**
 * What went wrong with one entry or partition, not with everything: a structure that cannot
 * be trusted, or a damaged or missing part of the image under it.
 */
export function isEntryProblem(error: unknown): error is BrowseError | SpillwayError {
  return (
    error instanceof BrowseError ||
    (error instanceof SpillwayError &&
      (error.code === 'image-damaged' || error.code === 'image-truncated'))
  );
}

/**
 * What the allocation readers say, for images whose manifest does not (plain .img, a
 * filesystem on the whole drive, another tool's seekable file): the filesystem's precise
 * name (fat32, swap), its label, the bytes it uses. Null when none knows the partition, or
 * the one that does distrusts it.
 */
async function allocationOf(
  read: ReadAt,
  size: number,
): Promise<{ filesystem: string; usedBytes: number; label: string | null } | null> {
  for (const allocation of ALLOCATION_READERS) {
    try {
      const found = await allocation.read(read, size);
      if (!found) continue;
      return {
        filesystem: found.filesystem,
        usedBytes: totalLength(found.used),
        label: found.label ?? null,
      };
    } catch (error) {
      if (error instanceof Distrust || isEntryProblem(error)) return null;
      throw error;
    }
  }
  return null;
}
