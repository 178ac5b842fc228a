// A drive's partition table, read from the drive's bytes with the same parser the backup's
// block map (and so the Drives screen's plan) uses. The kernel's partition nodes are not asked:
// it does not scan every device's table (loop devices), so a drive with three partitions can
// have no nodes at all.

import { open } from 'node:fs/promises';
import type { TableFacts } from '../../../src-shared/protocol/plans.js';
import { readFully } from '../io/file-io.js';
import { readPartitionTable } from '../partition-table/read-table.js';
import { Distrust, type ReadAt } from '../read-at.js';

/** The table facts of what `read` reads (a drive of `size` bytes). */
export async function tableFacts(
  read: ReadAt,
  size: number,
  sectorSize: number,
): Promise<TableFacts> {
  const within: ReadAt = (position, length) => {
    if (position < 0 || length < 0 || position + length > size) {
      throw new Distrust('a structure points past the end of the drive');
    }
    return read(position, length);
  };
  try {
    const table = await readPartitionTable(within, size, sectorSize);
    if (!table) return { state: 'none' };
    if ('distrust' in table) return { state: 'unreadable', why: table.distrust };
    return { state: 'read', type: table.header.type, partitions: table.partitions.length };
  } catch (error) {
    return { state: 'unreadable', why: (error as Error).message };
  }
}

/** The table facts of the device at `path`; a device that cannot be opened or read is
 *  'unreadable', with the system's reason. */
export async function driveTableFacts(
  path: string,
  size: number,
  sectorSize: number,
): Promise<TableFacts> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return { state: 'unreadable', why: (error as Error).message };
  }
  try {
    return await tableFacts(
      async (position, length) => {
        const buffer = Buffer.alloc(length);
        const got = await readFully(handle, buffer, position);
        if (got < length) throw new Error(`${path} ended at byte ${position + got}`);
        return buffer;
      },
      size,
      sectorSize,
    );
  } finally {
    await handle.close();
  }
}

/** The table in the words of a plan: "3 partitions", "no partition table". "No partitions"
 *  only when a table was read and lists none. */
export function tableWords(table: TableFacts): string {
  switch (table.state) {
    case 'read':
      return table.partitions === 0
        ? `an empty ${table.type.toUpperCase()} partition table (no partitions)`
        : `${table.partitions} partition${table.partitions === 1 ? '' : 's'}`;
    case 'none':
      return 'no partition table';
    case 'unreadable':
      return `a partition table that could not be read (${table.why})`;
  }
}
