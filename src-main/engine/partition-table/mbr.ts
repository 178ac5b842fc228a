// The MBR partition table: four primary entries at byte 446 of sector 0, and logical
// partitions in a chain of extended boot records inside an extended partition.

import { Distrust, type ReadAt } from '../read-at.js';
import { checkApart, type FoundPartition } from './found-partition.js';

const EXTENDED = new Set([0x05, 0x0f, 0x85]);
/** A chain longer than this is a loop or garbage. */
const MAX_LOGICAL = 128;

interface Entry {
  bootable: boolean;
  type: number;
  firstLba: number;
  sectors: number;
}

function entries(sector: Buffer): Entry[] {
  if (sector.readUInt16LE(510) !== 0xaa55) throw new Distrust('no boot signature');
  const list: Entry[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 446 + i * 16;
    list.push({
      bootable: sector[at] === 0x80,
      type: sector[at + 4]!,
      firstLba: sector.readUInt32LE(at + 8),
      sectors: sector.readUInt32LE(at + 12),
    });
  }
  return list;
}

/** The disk signature ("0x1234abcd") and the partitions; null when sector 0 is no MBR. */
export async function readMbr(
  read: ReadAt,
  sectorSize: number,
  diskSize: number,
): Promise<{ id: string; partitions: FoundPartition[] } | null> {
  const sector = await read(0, 512);
  if (sector.readUInt16LE(510) !== 0xaa55) return null;
  const primary = entries(sector);
  const partitions: FoundPartition[] = [];
  /** The table's own sectors: this one and every EBR. */
  const table: Array<[number, number]> = [[0, 512]];
  const inDisk = (start: number, size: number) => {
    if (size <= 0 || start + size > diskSize) {
      throw new Distrust('a partition lies outside the disk');
    }
  };
  for (const [i, e] of primary.entries()) {
    if (e.type === 0 || e.sectors === 0) continue;
    const start = e.firstLba * sectorSize;
    const size = e.sectors * sectorSize;
    inDisk(start, size);
    if (EXTENDED.has(e.type)) {
      // The extended partition itself is a container: only its EBRs are data.
      partitions.push(
        ...(await logical(read, sectorSize, e.firstLba, start + size, inDisk, table)),
      );
      partitions.push({
        index: i + 1,
        start,
        size,
        type: hex(e.type),
        container: true,
        bootable: e.bootable,
      });
    } else {
      partitions.push({ index: i + 1, start, size, type: hex(e.type), bootable: e.bootable });
    }
  }
  checkApart(partitions, table);
  return { id: `0x${sector.readUInt32LE(440).toString(16).padStart(8, '0')}`, partitions };
}

async function logical(
  read: ReadAt,
  sectorSize: number,
  extendedLba: number,
  extendedEnd: number,
  inDisk: (start: number, size: number) => void,
  table: Array<[number, number]>,
): Promise<FoundPartition[]> {
  const found: FoundPartition[] = [];
  let ebrLba = extendedLba;
  for (let n = 0; n < MAX_LOGICAL; n++) {
    const [data, next] = entries(await read(ebrLba * sectorSize, 512));
    table.push([ebrLba * sectorSize, ebrLba * sectorSize + 512]);
    if (data && data.type !== 0 && data.sectors > 0) {
      const start = (ebrLba + data.firstLba) * sectorSize;
      const size = data.sectors * sectorSize;
      inDisk(start, size);
      if (start + size > extendedEnd)
        throw new Distrust('a logical partition leaves its extended one');
      found.push({ index: 5 + n, start, size, type: hex(data.type), bootable: data.bootable });
    }
    if (!next || next.type === 0 || next.sectors === 0) return found;
    ebrLba = extendedLba + next.firstLba;
  }
  throw new Distrust('the chain of logical partitions does not end');
}

const hex = (type: number) => `0x${type.toString(16).padStart(2, '0')}`;
