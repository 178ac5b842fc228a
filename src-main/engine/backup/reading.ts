// What a backup reads from a drive or file (its block map: every byte, or what the
// filesystems use) and how (careful reads that survive bad sectors and notice a drive that
// stops answering), with the warnings the user sees about both.

import { endSentence } from '../../../src-shared/sentence.js';
import { formatBytes } from '../../../src-shared/units.js';
import { readWholeWords, type BlockMap } from '../blockmap/block-map.js';
import { readAtOf } from '../blockmap/read-source.js';
import { rawBlockMapWithTable, usedBlockMap } from '../blockmap/used-block-map.js';
import { directRead } from '../device/direct-read.js';
import { deviceAnswers } from '../device/probe.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import type { PositionedSource } from '../source/backup-source.js';
import { CarefulReader, describeBadRanges, type OnReadError } from '../source/careful-read.js';

/** The bytes a backup reads: all of them (raw), or what the filesystems use (used). */
export async function blockMapFor(
  source: PositionedSource,
  mode: 'used' | 'raw',
  progress: ProgressTracker,
): Promise<BlockMap> {
  if (mode === 'raw') {
    return rawBlockMapWithTable(readAtOf(source), source.info.size, source.info.logicalSectorSize);
  }
  progress.phase('preparing', `Reading the partition table and filesystems of ${source.info.path}`);
  const map = await usedBlockMap(readAtOf(source), source.info.size, source.info.logicalSectorSize);
  // A drive (or file) with no partition table and no filesystem is simply read whole, as
  // in raw mode: nothing to warn about. A table or filesystem that is distrusted is.
  if (map.whole?.cause === 'distrusted') {
    progress.warn(`${source.info.path}: ${endSentence(readWholeWords(map.whole))}`);
  }
  for (const p of map.partitionTable?.partitions ?? []) {
    if (p.mode === 'raw' && p.reason)
      progress.warn(`Partition ${p.index}: ${endSentence(p.reason)}`);
  }
  return map;
}

/** Reads that survive bad sectors, and end the job when the drive stops answering. */
export function carefulReaderFor(
  source: PositionedSource,
  policy: OnReadError,
  progress: ProgressTracker,
): CarefulReader {
  let warned = 0;
  return new CarefulReader({
    read: (target, position) => source.read(target, position),
    path: source.info.path,
    policy,
    answers: (knownGood) =>
      deviceAnswers({
        path: source.info.path,
        devnum: source.info.kind === 'device' ? source.devnum : null,
        knownGood,
      }),
    direct: (offset, length) =>
      directRead(source.info.path, offset, length, source.info.logicalSectorSize),
    sectorSize: source.info.logicalSectorSize,
    onBadRange: ([start, end]) => {
      // The first ones one by one; the summary at the end counts them all.
      if (++warned <= 20) {
        progress.warn(
          `${formatBytes(end - start)} unreadable at byte ${start} of ${source.info.path}; stored as zeros`,
        );
      }
    },
  });
}

/** The summary of what could not be read, once the whole source has been. */
export function warnBadRanges(
  badRanges: Array<[number, number]>,
  sourcePath: string,
  progress: ProgressTracker,
): void {
  if (badRanges.length === 0) return;
  const total = badRanges.reduce((sum, [a, b]) => sum + b - a, 0);
  progress.warn(
    `${formatBytes(total)} of ${sourcePath} could not be read (${badRanges.length} ` +
      `range${badRanges.length === 1 ? '' : 's'}); those bytes are zeros in the image and ` +
      `are recorded in it: ${describeBadRanges(badRanges, 3).join('; ')}`,
  );
}
