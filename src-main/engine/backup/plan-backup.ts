// `spillway plan SRC`: what a used-mode backup of a drive would read, before reading it.
// Plain data, for the CLI and the app.

import type { Partition, PartitionTable } from '../../../src-shared/manifest.js';
import { readAtOf } from '../blockmap/read-source.js';
import { usedBlockMap } from '../blockmap/used-block-map.js';
import { SpillwayError } from '../errors.js';
import { totalLength } from '../ranges.js';
import { openBackupSource } from '../source/backup-source.js';

export interface BackupPlan {
  source: string;
  size: number;
  partitionTable: Omit<PartitionTable, 'partitions'> | null;
  partitions: Partition[];
  /** Why everything is read, when it is. */
  reason?: string;
  bytesToRead: number;
  /** A rough range for a zstd -3 image: what is read, compressed between 1.2× and 3×;
   *  unread bytes cost nothing. */
  expectedImage: [low: number, high: number];
}

export async function planBackup(path: string): Promise<BackupPlan> {
  const source = await openBackupSource(path);
  try {
    if (source.type !== 'positioned') {
      throw new SpillwayError('usage', 'A plan needs a drive or a file, not a stream.');
    }
    const map = await usedBlockMap(
      readAtOf(source),
      source.info.size,
      source.info.logicalSectorSize,
    );
    const bytesToRead = totalLength(map.read);
    const { partitions = [], ...table } = map.partitionTable ?? {};
    return {
      source: source.info.path,
      size: map.size,
      partitionTable: map.partitionTable ? (table as Omit<PartitionTable, 'partitions'>) : null,
      partitions,
      ...(map.reason ? { reason: map.reason } : {}),
      bytesToRead,
      expectedImage: [Math.round(bytesToRead / 3), Math.round(bytesToRead / 1.2)],
    };
  } finally {
    await source.close();
  }
}
