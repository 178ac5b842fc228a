// What Linux says about a block device, read from sysfs. fstat gives a block device a size of
// 0, so sizes and sector sizes come from /sys/dev/block/MAJ:MIN instead.

import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SpillwayError } from '../errors.js';
import { devnumOf } from './devnum.js';

export interface BlockDeviceInfo {
  /** Kernel name: "sdb", "loop3", "nvme0n1p2". */
  name: string;
  /** "/dev/" + name. */
  path: string;
  devnum: string;
  size: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
  /** true for a partition, with the whole disk's name in `disk`. */
  isPartition: boolean;
  disk: string;
  /** Partitions of a whole disk, by kernel name ("sdb1"); empty for a partition. */
  partitions: string[];
  model?: string;
  serial?: string;
  removable: boolean;
  readOnly: boolean;
  /** For loop devices, the file behind it. */
  backingFile?: string;
}

const SYSFS = '/sys/dev/block';

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function readNumber(path: string): Promise<number | undefined> {
  const text = await readText(path);
  const value = text === undefined ? NaN : Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** The sysfs directory of a device number, or undefined when the kernel has none. */
export async function sysfsDir(devnum: string): Promise<string | undefined> {
  try {
    return await realpath(join(SYSFS, devnum));
  } catch {
    return undefined;
  }
}

/** Facts about the block device with this device number. */
export async function blockDeviceByDevnum(devnum: string): Promise<BlockDeviceInfo> {
  const dir = await sysfsDir(devnum);
  if (!dir)
    throw new SpillwayError('not-found', `No block device ${devnum} is known to the kernel.`);
  const name = basename(dir);
  const isPartition = (await readText(join(dir, 'partition'))) !== undefined;
  const diskDir = isPartition ? dirname(dir) : dir;
  const sectors = (await readNumber(join(dir, 'size'))) ?? 0;
  const logical = (await readNumber(join(diskDir, 'queue/logical_block_size'))) ?? 512;
  const physical = (await readNumber(join(diskDir, 'queue/physical_block_size'))) ?? logical;
  const partitions: string[] = [];
  if (!isPartition) {
    for (const entry of await readdir(dir).catch(() => [] as string[])) {
      if ((await readText(join(dir, entry, 'partition'))) !== undefined) partitions.push(entry);
    }
    partitions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }
  const info: BlockDeviceInfo = {
    name,
    path: `/dev/${name}`,
    devnum,
    // sysfs counts sizes in 512-byte units whatever the sector size.
    size: sectors * 512,
    logicalSectorSize: logical,
    physicalSectorSize: physical,
    isPartition,
    disk: basename(diskDir),
    partitions,
    removable: (await readText(join(diskDir, 'removable'))) === '1',
    readOnly: (await readText(join(dir, 'ro'))) === '1',
  };
  const model = await readText(join(diskDir, 'device/model'));
  const serial =
    (await readText(join(diskDir, 'device/serial'))) ??
    (await readText(join(diskDir, 'device/wwid')));
  const backingFile = await readText(join(diskDir, 'loop/backing_file'));
  if (model) info.model = model;
  if (serial) info.serial = serial;
  if (backingFile) info.backingFile = backingFile;
  return info;
}

/** Facts about the block device at `path` (a /dev node or a symlink to one). */
export async function blockDeviceAt(path: string): Promise<BlockDeviceInfo> {
  const st = await stat(path);
  if (!st.isBlockDevice()) {
    throw new SpillwayError('usage', `${path} is not a block device.`);
  }
  return blockDeviceByDevnum(devnumOf(st.rdev));
}

/** Device numbers this device is built on (dm, md: "slaves"), one level down. */
export async function slavesOf(devnum: string): Promise<string[]> {
  const dir = await sysfsDir(devnum);
  if (!dir) return [];
  const names = await readdir(join(dir, 'slaves')).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names) {
    const dev = await readText(join(dir, 'slaves', name, 'dev'));
    if (dev) out.push(dev);
  }
  return out;
}

/** Device number of a kernel block device name ("sdb1"), via /sys/class/block. */
export async function devnumOfName(name: string): Promise<string | undefined> {
  return readText(join('/sys/class/block', name, 'dev'));
}

/** Follows a /dev symlink (by-id, by-uuid) to its kernel node. */
export async function resolveDevicePath(path: string): Promise<string> {
  try {
    const target = await readlink(path);
    return join(dirname(path), target);
  } catch {
    return path;
  }
}
