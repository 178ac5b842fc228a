// A partition as a partition table describes it, before any filesystem is looked at.

import { Distrust } from '../read-at.js';

export interface FoundPartition {
  /** 1-based, as in /dev/sdb1 (logical MBR partitions from 5). */
  index: number;
  /** Byte offset and length on the drive. */
  start: number;
  size: number;
  /** GPT type GUID, or MBR type byte ("0x83"). */
  type: string;
  name?: string;
  uuid?: string;
  bootable?: boolean;
  /** An MBR extended partition: holds the logical ones, no filesystem of its own. */
  container?: boolean;
}

/**
 * Throws Distrust when two partitions share a byte (an extended partition and the logical
 * ones inside it excepted: it is their container). Where partitions overlap, one
 * filesystem's free space can be another's data: a block map built on them would skip it
 * (found by fuzzing: a GPT entry moved into its neighbour was taken as it was).
 */
export function checkNoOverlap(partitions: readonly FoundPartition[]): void {
  const sorted = partitions.filter((p) => !p.container).sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const [before, after] = [sorted[i - 1]!, sorted[i]!];
    if (after.start < before.start + before.size) {
      throw new Distrust(`partitions ${before.index} and ${after.index} overlap`);
    }
  }
}
