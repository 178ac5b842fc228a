// FAT12, FAT16 and FAT32: the reserved area, the FATs and the FAT12/16 root directory are
// always in use; a cluster is in use when its entry is not zero (free) in any FAT copy.

import type { ByteRange } from '../../../../src-shared/manifest.js';
import { Distrust, type ReadAt } from '../../read-at.js';
import { pushRange, type FilesystemReader } from '../allocation.js';
import { parseFatBootSector } from './boot-sector.js';

const MAX_FAT_BYTES = 512 * 2 ** 20;

export const fatReader: FilesystemReader = {
  name: 'fat',
  async read(read: ReadAt, size: number) {
    if (size < 512 * 16) return null;
    const g = parseFatBootSector(await read(0, 512), size);
    if (!g) return null;
    const { bits: kind, fatBytes, fatCount: fats, clusterBytes, clusterCount: clusters } = g;
    if (fatBytes > MAX_FAT_BYTES) throw new Distrust('FAT too large to read');
    // Every copy of the FAT, merged: a cluster is in use if any copy says so (after a crash
    // the copies can differ, and fsck may trust either).
    const fat = await read(g.fatOffset, fatBytes);
    for (let copy = 1; copy < fats; copy++) {
      const other = await read(g.fatOffset + copy * fatBytes, fatBytes);
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
    const dataBytes = g.dataOffset;
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
    const label = g.bootLabel;
    const id = g.serial.toString(16).padStart(8, '0').toUpperCase();
    return {
      filesystem: `fat${kind}`,
      ...(label && label !== 'NO NAME' ? { label } : {}),
      uuid: `${id.slice(0, 4)}-${id.slice(4)}`,
      used,
    };
  },
};
