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
 * Throws Distrust unless the partitions lie apart: no two share a byte (an extended partition
 * and the logical ones inside it excepted: it is their container), and none covers the
 * table's own sectors (`table`: the MBR, the GPT's headers and entries, the EBRs). Where they
 * overlap, one filesystem's free space can be another's data, or the table itself: a block
 * map built on them would skip it (found by fuzzing: GPT entries and EBRs moved into their
 * neighbours or over the table were taken as they were).
 */
export function checkApart(
  partitions: readonly FoundPartition[],
  table: ReadonlyArray<readonly [start: number, end: number]>,
): void {
  const spans = [
    ...partitions
      .filter((p) => !p.container)
      .map((p) => ({ start: p.start, end: p.start + p.size, index: p.index })),
    ...table.map(([start, end]) => ({ start, end, index: null })),
  ].sort((a, b) => a.start - b.start);
  // The furthest-reaching span so far: any span starting before its end overlaps it.
  let reach: (typeof spans)[number] | undefined;
  for (const span of spans) {
    if (reach && span.start < reach.end && (reach.index !== null || span.index !== null)) {
      const [a, b] = [reach.index, span.index];
      throw new Distrust(
        a !== null && b !== null
          ? `partitions ${a} and ${b} overlap`
          : `partition ${a ?? b} covers the partition table`,
      );
    }
    if (!reach || span.end > reach.end) reach = span;
  }
}
