// Fields inside a filesystem that name where its partition starts on the drive: FAT's and
// NTFS's boot sectors count "hidden sectors" before the volume, and Windows' boot code loads
// the rest of the volume from that count. When a partition moves, the count moves with it,
// in the boot sector and in its backup copy (FAT32: a sector named in the boot sector; NTFS:
// the sector just past the volume). A count that did not name the old start (0, on a volume
// made outside a partition table) is left as it was: it never pointed at the volume.

import type { PlacedPartition } from '../../../src-shared/protocol/plans.js';
import type { ReadAt } from '../read-at.js';
import type { TableWrite } from './write-table.js';

const HIDDEN_SECTORS = 0x1c;

/**
 * The writes that make each moved FAT or NTFS volume name its new start. `read` reads the
 * target after the partitions were written at their new places.
 */
export async function ownPositionWrites(
  read: ReadAt,
  partitions: readonly PlacedPartition[],
): Promise<TableWrite[]> {
  const writes: TableWrite[] = [];
  for (const p of partitions) {
    if (p.container || p.newStart === p.start || p.size < 1024) continue;
    const boot = Buffer.from(await read(p.newStart, 512));
    if (boot.readUInt16LE(510) !== 0xaa55) continue;
    const bytesPerSector = boot.readUInt16LE(11);
    if (![512, 1024, 2048, 4096].includes(bytesPerSector)) continue;
    if (boot.readUInt32LE(HIDDEN_SECTORS) !== p.start / bytesPerSector) continue;
    const copies = [0];
    if (boot.toString('latin1', 3, 11) === 'NTFS    ') {
      const backup = Number(boot.readBigUInt64LE(0x28)) * bytesPerSector;
      if (backup + 512 <= p.size) copies.push(backup);
    } else if (/^FAT(12|16|32)?/.test(fatType(boot))) {
      // FAT32 keeps a backup boot sector (usually sector 6) in its reserved sectors.
      const backupSector = boot.readUInt16LE(0x32);
      const reserved = boot.readUInt16LE(14);
      if (fatType(boot) === 'FAT32' && backupSector > 0 && backupSector < reserved) {
        copies.push(backupSector * bytesPerSector);
      }
    } else {
      continue;
    }
    for (const at of copies) {
      const sector = at === 0 ? boot : Buffer.from(await read(p.newStart + at, 512));
      if (sector.readUInt32LE(HIDDEN_SECTORS) !== p.start / bytesPerSector) continue;
      sector.writeUInt32LE(p.newStart / bytesPerSector, HIDDEN_SECTORS);
      writes.push({ position: p.newStart + at, bytes: sector });
    }
  }
  return writes;
}

/** The type string a FAT boot sector carries ("FAT16   " at 54, "FAT32   " at 82), trimmed. */
function fatType(boot: Buffer): string {
  const fat32 = boot.toString('latin1', 82, 90).trim();
  if (fat32 === 'FAT32') return fat32;
  return boot.toString('latin1', 54, 62).trim();
}
