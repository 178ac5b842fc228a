// A block map says which bytes of a drive a backup reads. Everything it does not read is
// stored as zeros and recorded as "don't care". Raw mode reads everything; used-blocks mode
// (used-block-map.ts) reads what the partition table and the filesystems say is in use.

import type { ByteRange, PartitionTable } from '../../../src-shared/manifest.js';
import type { ReadWhole } from '../../../src-shared/protocol/plans.js';

export interface BlockMap {
  mode: 'raw' | 'used';
  /** Bytes of the drive. */
  size: number;
  /** Normalized ranges to read; the rest is zeros in the image. */
  read: ByteRange[];
  /** Normalized complement of `read` within [0, size). */
  dontCare: ByteRange[];
  partitionTable: PartitionTable | null;
  /** Why a used-mode plan reads everything, when it does. */
  whole?: ReadWhole;
}

/** The engine's own words for why a whole drive is read (the CLI and the log say these). */
export function readWholeWords(whole: ReadWhole): string {
  switch (whole.cause) {
    case 'empty':
      return 'the drive holds 0 bytes: nothing to read';
    case 'unrecognised':
      return 'no partition table or filesystem found: read whole';
    case 'distrusted':
      return `${whole.why}: read whole`;
  }
}

export function rawBlockMap(size: number): BlockMap {
  return {
    mode: 'raw',
    size,
    read: size > 0 ? [[0, size]] : [],
    dontCare: [],
    partitionTable: null,
  };
}
