// The exFAT boot region: the main boot sector's geometry (where the FAT and the cluster heap
// lie, the root folder's first cluster) and the checksum that covers the first 11 sectors.
// Read by the allocation reader and the browse reader alike; each decides what it accepts
// (the allocation reader refuses a dirty volume and TexFAT, the browse reader reads both).

import { Distrust } from '../../read-at.js';

const NAME = 'EXFAT   ';
const MAX_CLUSTERS = 0xfffffff5;

export const VOLUME_DIRTY = 0x2;
export const MEDIA_FAILURE = 0x4;
export const ACTIVE_FAT = 0x1;

export interface ExfatGeometry {
  sectorBytes: number;
  clusterBytes: number;
  /** Byte offset of the first FAT; a second one (TexFAT) follows after `fatBytes`. */
  fatOffset: number;
  fatBytes: number;
  /** 1, or 2 with TexFAT. */
  fatCount: number;
  /** VolumeFlags: ACTIVE_FAT, VOLUME_DIRTY, MEDIA_FAILURE. */
  flags: number;
  heapOffset: number;
  /** Clusters of the heap: numbers 2 … clusterCount + 1. */
  clusterCount: number;
  rootCluster: number;
  serial: number;
}

/** The main boot sector's geometry; null when it is not exFAT, Distrust when it is but is odd. */
export function parseBootSector(boot: Buffer, size: number): ExfatGeometry | null {
  if (boot.toString('latin1', 3, 11) !== NAME) return null;
  if (boot.readUInt16LE(510) !== 0xaa55) throw new Distrust('exFAT boot signature missing');
  // MustBeZero covers where FAT keeps its BPB: non-zero bytes there are not a real exFAT.
  if (boot.subarray(11, 64).some((b) => b !== 0)) throw new Distrust('exFAT boot sector is odd');
  if (boot[105] !== 1) throw new Distrust(`exFAT revision ${boot[105]}.${boot[104]} is unknown`);
  const sectorShift = boot[108]!;
  const clusterShift = boot[109]!;
  if (sectorShift < 9 || sectorShift > 12 || clusterShift > 25 - sectorShift) {
    throw new Distrust('exFAT sector or cluster size out of range');
  }
  const fats = boot[110]!;
  if (fats !== 1 && fats !== 2) throw new Distrust(`exFAT NumberOfFats ${fats}`);

  const volumeSectors = boot.readBigUInt64LE(72);
  const fatOffset = boot.readUInt32LE(80);
  const fatLength = boot.readUInt32LE(84);
  const heapOffset = boot.readUInt32LE(88);
  const clusterCount = boot.readUInt32LE(92);
  const rootCluster = boot.readUInt32LE(96);
  const sectorsPerCluster = 2 ** clusterShift;
  if (volumeSectors > BigInt(Math.floor(size / 2 ** sectorShift))) {
    throw new Distrust('exFAT volume larger than its partition');
  }
  const volume = Number(volumeSectors);
  const layoutFits =
    fatOffset >= 24 &&
    fatLength * 2 ** sectorShift >= (clusterCount + 2) * 4 &&
    heapOffset >= fatOffset + fats * fatLength &&
    clusterCount >= 1 &&
    clusterCount <= MAX_CLUSTERS &&
    heapOffset + clusterCount * sectorsPerCluster <= volume &&
    rootCluster >= 2 &&
    rootCluster <= clusterCount + 1;
  if (!layoutFits) throw new Distrust('exFAT layout does not fit');
  return {
    sectorBytes: 2 ** sectorShift,
    clusterBytes: 2 ** (sectorShift + clusterShift),
    fatOffset: fatOffset * 2 ** sectorShift,
    fatBytes: fatLength * 2 ** sectorShift,
    fatCount: fats,
    flags: boot.readUInt16LE(106),
    heapOffset: heapOffset * 2 ** sectorShift,
    clusterCount,
    rootCluster,
    serial: boot.readUInt32LE(100),
  };
}

/** The boot checksum over sectors 0–10, skipping VolumeFlags and PercentInUse (they change). */
export function bootChecksum(region: Buffer, sectorBytes: number): number {
  let sum = 0;
  for (let i = 0; i < 11 * sectorBytes; i++) {
    if (i === 106 || i === 107 || i === 112) continue;
    sum = (((sum & 1) << 31) | (sum >>> 1)) + region[i]!;
    sum >>>= 0;
  }
  return sum;
}

/** Whether sector 11 of a boot region (12 sectors) repeats the checksum of sectors 0–10. */
export function bootRegionIsIntact(region: Buffer, sectorBytes: number): boolean {
  const sum = bootChecksum(region, sectorBytes);
  for (let at = 11 * sectorBytes; at < 12 * sectorBytes; at += 4) {
    if (region.readUInt32LE(at) !== sum) return false;
  }
  return true;
}
