// The FAT boot sector (BIOS Parameter Block): where the reserved area, the FATs, the FAT12/16
// root folder and the clusters lie. Read by the allocation reader and the browse reader alike.
// FAT12, FAT16 and FAT32 are told apart by the number of clusters alone, as the specification
// says (not by the "FAT16   " text in the boot sector, which is only a label).

import { Distrust } from '../../read-at.js';

export type FatBits = 12 | 16 | 32;

export interface FatGeometry {
  bits: FatBits;
  sectorBytes: number;
  clusterBytes: number;
  /** Byte offset of the first FAT, and of each further copy every `fatBytes`. */
  fatOffset: number;
  fatBytes: number;
  fatCount: number;
  /** FAT32: the copy in use when mirroring is off (ExtFlags), else 0. */
  activeFat: number;
  /** FAT12/16: the fixed root folder region (empty on FAT32). */
  rootOffset: number;
  rootBytes: number;
  /** FAT32: the root folder's first cluster, as stored (unchecked). */
  rootCluster: number;
  /** Byte offset of cluster 2, the first data cluster. */
  dataOffset: number;
  /** Data clusters: numbers 2 … clusterCount + 1. */
  clusterCount: number;
  /** The label and serial as the boot sector has them (the root folder may say otherwise). */
  bootLabel: string;
  serial: number;
}

/** The boot sector's geometry; null when it is not FAT, Distrust when it is but does not fit. */
export function parseFatBootSector(boot: Buffer, size: number): FatGeometry | null {
  const bytesPerSector = boot.readUInt16LE(11);
  const sectorsPerCluster = boot[13]!;
  const reserved = boot.readUInt16LE(14);
  const fats = boot[16]!;
  const rootEntries = boot.readUInt16LE(17);
  const total = boot.readUInt16LE(19) || boot.readUInt32LE(32);
  const fatSectors = boot.readUInt16LE(22) || boot.readUInt32LE(36);
  const looksFat =
    boot.readUInt16LE(510) === 0xaa55 &&
    [512, 1024, 2048, 4096].includes(bytesPerSector) &&
    sectorsPerCluster > 0 &&
    (sectorsPerCluster & (sectorsPerCluster - 1)) === 0 &&
    reserved > 0 &&
    fats >= 1 &&
    fats <= 4 &&
    fatSectors > 0 &&
    total > 0 &&
    (boot[0] === 0xeb || boot[0] === 0xe9);
  if (!looksFat) return null;
  if (total * bytesPerSector > size) throw new Distrust('FAT larger than its partition');
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const dataStart = reserved + fats * fatSectors + rootSectors;
  if (dataStart >= total) throw new Distrust('FAT layout does not fit');
  const clusterCount = Math.floor((total - dataStart) / sectorsPerCluster);
  const bits: FatBits = clusterCount < 4085 ? 12 : clusterCount < 65525 ? 16 : 32;
  const fatBytes = fatSectors * bytesPerSector;
  if (Math.ceil(((clusterCount + 2) * bits) / 8) > fatBytes) throw new Distrust('FAT too small');
  // FAT32's ExtFlags: bit 7 set means only the FAT numbered in bits 0-3 is kept up to date.
  const extFlags = bits === 32 ? boot.readUInt16LE(40) : 0;
  const activeFat = extFlags & 0x80 && (extFlags & 0xf) < fats ? extFlags & 0xf : 0;
  const labelAt = bits === 32 ? 71 : 43;
  return {
    bits,
    sectorBytes: bytesPerSector,
    clusterBytes: sectorsPerCluster * bytesPerSector,
    fatOffset: reserved * bytesPerSector,
    fatBytes,
    fatCount: fats,
    activeFat,
    rootOffset: (reserved + fats * fatSectors) * bytesPerSector,
    rootBytes: bits === 32 ? 0 : rootSectors * bytesPerSector,
    rootCluster: bits === 32 ? boot.readUInt32LE(44) : 0,
    dataOffset: dataStart * bytesPerSector,
    clusterCount,
    bootLabel: boot.toString('latin1', labelAt, labelAt + 11).trim(),
    serial: boot.readUInt32LE(bits === 32 ? 67 : 39),
  };
}
