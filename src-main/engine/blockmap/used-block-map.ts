// Used-blocks mode: the partition table says where the partitions are, a reader per
// filesystem says which of their bytes are in use, and everything else in a recognised
// filesystem is not read (zeros in the image, "don't care" in the manifest). Whatever is
// outside the partitions (the table itself, boot code in the gap before the first
// partition) and every partition this cannot vouch for is read whole.

import type { ByteRange, Partition, PartitionTable } from '../../../src-shared/manifest.js';
import { complement, normalize, subtract, totalLength } from '../ranges.js';
import { rawBlockMap, type BlockMap } from './block-map.js';
import type { Allocation } from '../filesystems/allocation.js';
import { ALLOCATION_READERS } from '../filesystems/allocation-readers.js';
import type { FoundPartition } from '../partition-table/found-partition.js';
import { readPartitionTable, TYPE_NAMES } from '../partition-table/read-table.js';
import { Distrust, type ReadAt } from '../read-at.js';

export async function usedBlockMap(
  readDrive: ReadAt,
  size: number,
  sectorSize: number,
): Promise<BlockMap> {
  // A device of 0 bytes (an unconfigured zram or loop device) has no table to read.
  if (size === 0) return { ...rawBlockMap(0), whole: { cause: 'empty' } };
  const read = withinDrive(readDrive, size);
  const table = await readPartitionTable(read, size, sectorSize);
  if (!table) {
    // No partition table: a filesystem on the whole drive (a "superfloppy"), or raw.
    const whole = await partitionRow(read, { index: 1, start: 0, size, type: 'none' });
    if (whole.partition.mode === 'raw') {
      return { ...rawBlockMap(size), whole: { cause: 'unrecognised' } };
    }
    return finish(size, whole.unused, null);
  }
  if ('distrust' in table) {
    return { ...rawBlockMap(size), whole: { cause: 'distrusted', why: table.distrust } };
  }
  const rows: Partition[] = [];
  let skip: ByteRange[] = [];
  for (const found of table.partitions) {
    const row = await partitionRow(read, found);
    rows.push(row.partition);
    skip = skip.concat(row.unused);
  }
  return finish(size, skip, { ...table.header, partitions: rows });
}

/** Raw mode: every byte is read, and the partition table is still recorded (a restore onto a
 *  smaller drive needs to know where the partitions end), with what each partition holds as
 *  far as its filesystem can be read (which filesystem, its label, how much it uses): the
 *  facts an image shows, whatever was copied. */
export async function rawBlockMapWithTable(
  readDrive: ReadAt,
  size: number,
  sectorSize: number,
): Promise<BlockMap> {
  const read = withinDrive(readDrive, size);
  const table = await readPartitionTable(read, size, sectorSize);
  if (!table || 'distrust' in table) return rawBlockMap(size);
  const partitions: Partition[] = [];
  for (const found of table.partitions) {
    partitions.push({ ...(await rawPartitionFacts(read, found)), mode: 'raw', reason: 'raw mode' });
  }
  return { ...rawBlockMap(size), partitionTable: { ...table.header, partitions } };
}

/** A partition's manifest row and the ranges of the drive it lets the backup skip. */
/**
 * What a partition holds, for raw mode, where these are facts to show and not what is copied:
 * a sector of its filesystem that cannot be read (the copy records it as a bad range and goes
 * on) leaves them unknown instead of failing the backup.
 */
async function rawPartitionFacts(read: ReadAt, found: FoundPartition): Promise<Partition> {
  try {
    return (await partitionRow(read, found)).partition;
  } catch {
    return tableRow(found);
  }
}

/** A partition as the table describes it, before its filesystem is read. */
function tableRow(found: FoundPartition): Partition {
  return {
    index: found.index,
    start: found.start,
    size: found.size,
    type: found.type,
    ...(TYPE_NAMES[found.type] ? { typeName: TYPE_NAMES[found.type] } : {}),
    ...(found.name ? { name: found.name } : {}),
    ...(found.uuid ? { uuid: found.uuid } : {}),
    ...(found.bootable !== undefined ? { bootable: found.bootable } : {}),
    filesystem: null,
    mode: 'raw',
  };
}

async function partitionRow(
  read: ReadAt,
  found: FoundPartition,
): Promise<{ partition: Partition; unused: ByteRange[] }> {
  const base = tableRow(found);
  if (found.container) {
    return {
      partition: { ...base, reason: 'extended partition: holds the logical ones' },
      unused: [],
    };
  }
  const inPartition: ReadAt = (position, length) => {
    if (position < 0 || length < 0 || position + length > found.size) {
      throw new Distrust('a structure points outside its partition');
    }
    return read(found.start + position, length);
  };
  for (const reader of ALLOCATION_READERS) {
    let allocation: Allocation | null;
    try {
      allocation = await reader.read(inPartition, found.size);
    } catch (error) {
      if (!(error instanceof Distrust)) throw error;
      return { partition: { ...base, reason: `${error.message}: read whole` }, unused: [] };
    }
    if (!allocation) continue;
    const used = normalize(
      allocation.used.map(([a, b]) => [a, Math.min(b, found.size)] as ByteRange),
    );
    const unused = complement(used, 0, found.size).map(
      ([a, b]) => [found.start + a, found.start + b] as ByteRange,
    );
    return {
      partition: {
        ...base,
        filesystem: allocation.filesystem,
        ...(allocation.label ? { label: allocation.label } : {}),
        ...(allocation.uuid ? { fsUuid: allocation.uuid } : {}),
        usedBytes: totalLength(used),
        mode: 'used',
      },
      unused,
    };
  }
  return {
    partition: { ...base, reason: 'no filesystem Spillway can read: read whole' },
    unused: [],
  };
}

function finish(size: number, skip: ByteRange[], partitionTable: PartitionTable | null): BlockMap {
  const read = subtract([[0, size]], normalize(skip));
  return {
    mode: 'used',
    size,
    read,
    dontCare: complement(read, 0, size),
    partitionTable,
  };
}

/** A table or filesystem that points past the drive's end is distrusted, not a read error. */
function withinDrive(read: ReadAt, size: number): ReadAt {
  return (position, length) => {
    if (position < 0 || length < 0 || position + length > size) {
      throw new Distrust('a structure points past the end of the drive');
    }
    return read(position, length);
  };
}
