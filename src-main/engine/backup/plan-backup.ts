// `spillway plan SRC`: what a used-mode backup of a drive would read, before reading it.
// Plain data, for the CLI and the app.

import type { PartitionTable } from '../../../src-shared/manifest.js';
import type { BackupPlan } from '../../../src-shared/protocol/plans.js';
import { readAtOf } from '../blockmap/read-source.js';
import { usedBlockMap } from '../blockmap/used-block-map.js';
import { SpillwayError } from '../errors.js';
import { totalLength } from '../ranges.js';
import { openBackupSource } from '../source/backup-source.js';

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
    return {
      source: source.info.path,
      size: map.size,
      ...(map.partitionTable
        ? tableAndPartitions(map.partitionTable)
        : { partitionTable: null, partitions: [] }),
      ...(map.whole ? { whole: map.whole } : {}),
      bytesToRead,
      expectedImage: [Math.round(bytesToRead / 3), Math.round(bytesToRead / 1.2)],
    };
  } finally {
    await source.close();
  }
}

/** The plan shows the table's own fields and its partitions apart. */
function tableAndPartitions({ partitions, ...partitionTable }: PartitionTable) {
  return { partitionTable, partitions };
}
