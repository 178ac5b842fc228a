// Restoring onto a drive a little smaller than the original (cards and sticks of the same
// nominal size differ by a few sectors): allowed when nothing past the new end is data,
// i.e. every such byte is "don't care" or outside all partitions, and every partition still
// fits (on GPT, before the backup table that moves to the new end). Pure: the manifest and
// the target's size in, a verdict out.

import type { Manifest } from '../../../src-shared/manifest.js';
import { intersect, normalize, subtract, totalLength } from '../ranges.js';

/** Sectors a GPT's backup takes at the end: 128 entries of 128 bytes, and the header. */
const gptBackupSectors = (sectorSize: number) => Math.ceil((128 * 128) / sectorSize) + 1;

export type ShrinkVerdict =
  { fits: true } | { fits: false; dataBytes: number; partition: number | null };

export function shrinkVerdict(
  manifest: Pick<Manifest, 'partitionTable' | 'dontCare'> | null,
  payloadSize: number,
  size: number,
): ShrinkVerdict {
  const beyond: Array<[number, number]> = [[size, payloadSize]];
  if (!manifest) return { fits: false, dataBytes: payloadSize - size, partition: null };
  const table = manifest.partitionTable;
  const partitions = normalize(
    (table?.partitions ?? []).map((p) => [p.start, p.start + p.size] as [number, number]),
  );
  // Without a recorded partition table nothing is known to lie outside the partitions.
  const notDontCare = subtract(beyond, normalize(manifest.dontCare));
  const data = table ? intersect(notDontCare, partitions) : notDontCare;
  const dataBytes = totalLength(data);
  // The usable end: on GPT the backup table takes the last sectors of the new drive.
  const end =
    table?.type === 'gpt' ? size - gptBackupSectors(table.sectorSize) * table.sectorSize : size;
  const cut = table?.partitions.find((p) => p.start + p.size > end);
  if (dataBytes > 0 || cut) {
    return { fits: false, dataBytes, partition: cut?.index ?? null };
  }
  return { fits: true };
}
