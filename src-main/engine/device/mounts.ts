// Mounted filesystems and active swap, and which whole disks a path or device rests on.
// Used to refuse a restore onto a drive that is in use or holds the image being restored.

import { readFile, stat } from 'node:fs/promises';
import { blockDeviceByDevnum, slavesOf } from './block-device.js';
import { devnumOf } from './devnum.js';

export interface Mount {
  /** Device number as mountinfo reports it (anonymous "0:NN" for btrfs, tmpfs, FUSE). */
  devnum: string;
  /** The device number of `source` when it is a block device node: btrfs and others report
   *  an anonymous devnum above, so this is the one to compare with drives. */
  sourceDevnum?: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Unescapes the octal escapes mountinfo uses for spaces and the like. */
function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo text (pure; see proc(5)). */
export function parseMountinfo(text: string): Omit<Mount, 'sourceDevnum'>[] {
  const mounts: Omit<Mount, 'sourceDevnum'>[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3) continue;
    mounts.push({
      devnum: fields[2]!,
      mountPoint: unescapeMountField(fields[4]!),
      fsType: fields[dash + 1]!,
      source: unescapeMountField(fields[dash + 2]!),
    });
  }
  return mounts;
}

export async function listMounts(): Promise<Mount[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return Promise.all(
    parseMountinfo(text).map(async (mount): Promise<Mount> => {
      if (!mount.source.startsWith('/dev/')) return mount;
      try {
        const st = await stat(mount.source);
        return st.isBlockDevice() ? { ...mount, sourceDevnum: devnumOf(st.rdev) } : mount;
      } catch {
        return mount;
      }
    }),
  );
}

/** Device numbers of active swap areas that are block devices. */
export async function activeSwapDevnums(): Promise<string[]> {
  const text = await readFile('/proc/swaps', 'utf8').catch(() => '');
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const path = line.split(/\s+/)[0];
    if (!path) continue;
    try {
      const st = await stat(path);
      if (st.isBlockDevice()) out.push(devnumOf(st.rdev));
    } catch {
      // a swap file or a vanished device: nothing to match against drives
    }
  }
  return out;
}

/**
 * Whole disks (kernel names, "sdb") that data at this device number ultimately lives on:
 * through partitions, device-mapper and md "slaves", and (unless told not to) loop devices'
 * backing files. Writing to a loop device changes only its backing file, so a restore
 * target's disks stop at the loop device; an image's disks follow the whole chain.
 */
export async function disksUnderDevnum(
  devnum: string,
  depth = 0,
  followBackingFiles = true,
): Promise<Set<string>> {
  const disks = new Set<string>();
  if (depth > 8) return disks;
  let info;
  try {
    info = await blockDeviceByDevnum(devnum);
  } catch {
    return disks;
  }
  disks.add(info.disk);
  for (const slave of await slavesOf(devnum)) {
    for (const d of await disksUnderDevnum(slave, depth + 1, followBackingFiles)) disks.add(d);
  }
  if (info.backingFile && followBackingFiles) {
    for (const d of await disksUnderPath(info.backingFile, depth + 1)) disks.add(d);
  }
  return disks;
}

/** Whole disks that a file or directory is stored on (empty for tmpfs and the like). */
export async function disksUnderPath(path: string, depth = 0): Promise<Set<string>> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return new Set();
  }
  if (st.isBlockDevice()) return disksUnderDevnum(devnumOf(st.rdev), depth);
  const devnum = devnumOf(st.dev);
  const direct = await disksUnderDevnum(devnum, depth);
  if (direct.size > 0) return direct;
  // btrfs and others give files an anonymous device number: find the mount and its source.
  const mount = (await listMounts()).find((m) => m.devnum === devnum && m.sourceDevnum);
  return mount?.sourceDevnum ? disksUnderDevnum(mount.sourceDevnum, depth) : new Set();
}

/** The mount point a path is on (the longest mount point that contains it). */
export async function mountPointOf(path: string): Promise<string> {
  const { realpath } = await import('node:fs/promises');
  const real = await realpath(path).catch(() => path);
  let best = '/';
  for (const mount of await listMounts()) {
    const point = mount.mountPoint;
    const inside = real === point || real.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && point.length > best.length) best = point;
  }
  return best;
}
