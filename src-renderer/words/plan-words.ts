// What a backup of a drive would read, in the app's words: why the whole drive is read when it
// is, and why a partition is copied whole in a used-blocks backup. The API gives codes and
// facts (src-shared/protocol/plans.ts); the engine's own phrases ("…: read whole") are for
// the command line and the log.

import type { Partition } from '../../src-shared/manifest.js';
import type { ReadWhole } from '../../src-shared/protocol/plans.js';

/** Why a backup of the whole drive reads every byte, as a sentence. */
export function readWholeSentence(whole: ReadWhole): string {
  switch (whole.cause) {
    case 'empty':
      return 'It holds 0 bytes: there is nothing on it to back up.';
    case 'unrecognised':
      return 'No partitions or filesystem that Spillway knows were found on it: a backup copies every byte.';
    case 'distrusted':
      return 'Its partition table contradicts itself or the drive’s size, so Spillway does not rely on it: a backup copies every byte.';
  }
}

/** MBR types of an extended partition: a container whose logical partitions are listed apart. */
const EXTENDED_TYPES = new Set(['0x05', '0x0f', '0x85']);

/** Why a used-blocks backup copies this partition whole, or null when it reads used blocks. */
export function copiedWholeBecause(partition: Partition): string | null {
  if (partition.mode === 'used') return null;
  if (EXTENDED_TYPES.has(partition.type)) return 'it holds the logical partitions';
  return partition.filesystem
    ? `Spillway cannot tell which blocks its ${partition.filesystem} uses`
    : 'no filesystem Spillway can read';
}
