// The partition table of a drive, whichever it has: GPT first (its protective MBR would
// otherwise pass for an MBR), then MBR. Used by the backup's block map and by browsing.

import type { PartitionTable } from '../../../src-shared/manifest.js';
import { Distrust, type ReadAt } from '../read-at.js';
import type { FoundPartition } from './found-partition.js';
import { readGpt } from './gpt.js';
import { readMbr } from './mbr.js';

export type FoundTable =
  | { header: Omit<PartitionTable, 'partitions'>; partitions: FoundPartition[] }
  | { distrust: string };

/** Human names of the common partition types ("Linux filesystem", "EFI System"). */
export const TYPE_NAMES: Record<string, string> = {
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI System',
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux filesystem',
  '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
  'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'Microsoft basic data',
  '0x83': 'Linux',
  '0x82': 'Linux swap',
  '0x0c': 'W95 FAT32 (LBA)',
  '0x0b': 'W95 FAT32',
  '0x06': 'FAT16',
  '0x0e': 'W95 FAT16 (LBA)',
  '0x07': 'HPFS/NTFS/exFAT',
  '0xef': 'EFI (FAT-12/16/32)',
  '0x05': 'Extended',
  '0x0f': 'W95 Extended (LBA)',
};

/**
 * The table and its partitions; null when the drive has none (a filesystem on the whole
 * drive, or nothing); `distrust` when a table is there but cannot be believed.
 */
export async function readPartitionTable(
  read: ReadAt,
  size: number,
  sectorSize: number,
): Promise<FoundTable | null> {
  try {
    const gpt = await readGpt(read, sectorSize, size);
    if (gpt) {
      return {
        header: {
          type: 'gpt',
          id: gpt.id,
          sectorSize,
          firstUsableLba: gpt.firstUsableLba,
          lastUsableLba: gpt.lastUsableLba,
        },
        partitions: gpt.partitions,
      };
    }
    const mbr = await readMbr(read, sectorSize, size);
    if (mbr && mbr.partitions.length > 0) {
      return { header: { type: 'mbr', id: mbr.id, sectorSize }, partitions: mbr.partitions };
    }
    return null;
  } catch (error) {
    if (error instanceof Distrust) return { distrust: `partition table: ${error.message}` };
    throw error;
  }
}
