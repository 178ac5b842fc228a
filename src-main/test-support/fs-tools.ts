// What filesystems' own tools say is in use, for tests that hold the allocation readers to it.

import { q, sh, shStatus } from './shell.js';

/** Bytes an ext2/3/4 filesystem has in use, by its superblock's counts (dumpe2fs). */
export async function extUsedBytes(device: string): Promise<number> {
  const ext = await sh(`dumpe2fs -h ${q(device)} 2>/dev/null`);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(ext)![1]);
  return (field('Block count') - field('Free blocks')) * field('Block size');
}

/**
 * What a FAT's in-use bytes must lie within, by fsck.fat: at least the reserved area, FATs,
 * root folder and clusters in use; at most that plus a few clusters' worth (the sectors after
 * the last whole cluster, which a reader keeps).
 */
export async function fatUsedBounds(device: string): Promise<{ min: number; below: number }> {
  const fsck = await shStatus(`fsck.fat -n -v ${q(device)}`);
  const clusters = Number(/(\d+)\/\d+ clusters/.exec(fsck.stdout)![1]);
  const clusterBytes = Number(/(\d+) bytes per cluster/.exec(fsck.stdout)![1]);
  const dataStart = Number(/Data area starts at byte (\d+)/.exec(fsck.stdout)![1]);
  return {
    min: dataStart + clusters * clusterBytes,
    below: dataStart + (clusters + 8) * clusterBytes,
  };
}
