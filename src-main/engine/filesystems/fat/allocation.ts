// FAT12, FAT16 and FAT32: the reserved area, the FATs and the FAT12/16 root directory are
// always in use; a cluster is in use when its entry is not zero (free) in any FAT copy.

import type { ByteRange } from '../../../../src-shared/manifest.js';
import { Distrust, type ReadAt } from '../../read-at.js';
import { pushRange, type FilesystemReader } from '../allocation.js';

const MAX_FAT_BYTES = 512 * 2 ** 20;

export const fatReader: FilesystemReader = {
  name: 'fat',
  async read(read: ReadAt, size: number) {
    if (size < 512 * 16) return null;
    const boot = await read(0, 512);
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
    const clusters = Math.floor((total - dataStart) / sectorsPerCluster);
    const kind = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
    const fatBytes = fatSectors * bytesPerSector;
    if (fatBytes > MAX_FAT_BYTES) throw new Distrust('FAT too large to read');
    if (Math.ceil(((clusters + 2) * kind) / 8) > fatBytes) throw new Distrust('FAT too small');
    // Every copy of the FAT, merged: a cluster is in use if any copy says so (after a crash
    // the copies can differ, and fsck may trust either).
    const fat = await read(reserved * bytesPerSector, fatBytes);
    for (let copy = 1; copy < fats; copy++) {
      const other = await read((reserved + copy * fatSectors) * bytesPerSector, fatBytes);
      for (let i = 0; i < fatBytes; i++) fat[i]! |= other[i]!;
    }
    const entry =
      kind === 32
        ? (n: number) => fat.readUInt32LE(n * 4) & 0x0fffffff
        : kind === 16
          ? (n: number) => fat.readUInt16LE(n * 2)
          : (n: number) => {
              const v = fat.readUInt16LE(Math.floor((n * 3) / 2));
              return n & 1 ? v >> 4 : v & 0xfff;
            };
    const clusterBytes = sectorsPerCluster * bytesPerSector;
    const dataBytes = dataStart * bytesPerSector;
    const used: ByteRange[] = [];
    pushRange(used, 0, dataBytes);
    for (let n = 2; n < clusters + 2; n++) {
      if (entry(n) !== 0) {
        const at = dataBytes + (n - 2) * clusterBytes;
        pushRange(used, at, at + clusterBytes);
      }
    }
    // Sectors after the last whole cluster, and past the filesystem: kept.
    pushRange(used, dataBytes + clusters * clusterBytes, size);
    const labelAt = kind === 32 ? 71 : 43;
    const idAt = kind === 32 ? 67 : 39;
    const label = boot.toString('latin1', labelAt, labelAt + 11).trim();
    const id = boot.readUInt32LE(idAt).toString(16).padStart(8, '0').toUpperCase();
    return {
      filesystem: `fat${kind}`,
      ...(label && label !== 'NO NAME' ? { label } : {}),
      uuid: `${id.slice(0, 4)}-${id.slice(4)}`,
      used,
    };
  },
};
