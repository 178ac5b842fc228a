// What a test reads off an ext filesystem on a drive through the system's own tools: its tree
// (mounted read-only by the kernel, never replaying the journal) and its size (dumpe2fs).

import { join } from 'node:path';
import { treeFromKernel } from './compare-tree.js';
import { q, sh } from './shell.js';

/** The tree of the ext filesystem on `device`, mounted read-only at `dir/name` for the walk. */
export async function extTree(device: string, dir: string, name: string) {
  const mountPoint = join(dir, name);
  await sh(`mkdir -p ${q(mountPoint)} && mount -o ro,noload ${q(device)} ${q(mountPoint)}`);
  try {
    return await treeFromKernel(mountPoint);
  } finally {
    await sh(`umount ${q(mountPoint)}`);
  }
}

/** Block count × block size of the ext filesystem on `device`, as dumpe2fs reads it. */
export async function extBytes(device: string): Promise<number> {
  const header = await sh(`dumpe2fs -h ${q(device)} 2>/dev/null`);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(header)![1]);
  return field('Block count') * field('Block size');
}
