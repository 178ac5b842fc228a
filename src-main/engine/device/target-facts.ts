// The facts the target rules (src-shared/target-rules.ts) judge a device by, gathered from
// the kernel: its size and read-only flag (sysfs), its partitions mounted or used as swap
// (/proc/self/mountinfo, /proc/swaps), whether the computer runs from it, and which of the
// paths the user chose (the image) live on it. The drive list and a restore's plan both ask
// here, so a drive greyed out in the list is refused when typed, and the other way round.

import { realpath } from 'node:fs/promises';
import type { MountedPart } from '../../../src-shared/protocol/plans.js';
import type { TargetFacts } from '../../../src-shared/target-rules.js';
import { blockDeviceAt, devnumOfName } from './block-device.js';
import { activeSwapDevnums, disksUnderDevnum, disksUnderPath, listMounts } from './mounts.js';

/** What the kernel says about a block device, as a restore target. */
export interface DeviceFacts {
  /** Kernel name: "sdb", "loop3". */
  name: string;
  size: number;
  logicalSectorSize: number;
  readOnly: boolean;
  model?: string;
  /** Kernel names of its partitions. */
  partitions: string[];
  mounted: MountedPart[];
  /** Whole disks it is, by kernel name. Writing a loop device changes only its backing
   *  file, so these stop at the loop device. */
  disks: string[];
  /** For a loop device, the file behind it. */
  backingFile?: string;
}

export async function deviceFacts(path: string): Promise<DeviceFacts> {
  const device = await blockDeviceAt(path);
  const devnums = new Map<string, string>([[device.devnum, device.path]]);
  for (const part of device.partitions) {
    const devnum = await devnumOfName(part);
    if (devnum) devnums.set(devnum, `/dev/${part}`);
  }
  const mounted: MountedPart[] = [];
  for (const mount of await listMounts()) {
    const part = devnums.get(mount.sourceDevnum ?? '') ?? devnums.get(mount.devnum);
    if (part) mounted.push({ device: part, mountPoint: mount.mountPoint });
  }
  for (const devnum of await activeSwapDevnums()) {
    const part = devnums.get(devnum);
    if (part) mounted.push({ device: part, mountPoint: 'swap' });
  }
  return {
    name: device.name,
    size: device.size,
    logicalSectorSize: device.logicalSectorSize,
    readOnly: device.readOnly,
    ...(device.model ? { model: device.model } : {}),
    partitions: device.partitions,
    mounted,
    disks: [...(await disksUnderDevnum(device.devnum, 0, false))],
    ...(device.backingFile ? { backingFile: device.backingFile } : {}),
  };
}

async function samePath(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  return ra === rb;
}

/**
 * The chosen paths that live on the device: on one of its disks (through every loop device
 * and partition below the path), or that are the very file behind it (a loop device).
 */
export async function pathsOnDevice(
  device: Pick<DeviceFacts, 'disks' | 'backingFile'>,
  paths: string[],
): Promise<string[]> {
  const held: string[] = [];
  for (const path of paths) {
    const under = await disksUnderPath(path);
    const onIt = device.disks.some((disk) => under.has(disk));
    const isBacking =
      device.backingFile !== undefined && (await samePath(device.backingFile, path));
    if (onIt || isBacking) held.push(path);
  }
  return held;
}

/** The computer runs from it: the root filesystem lives on one of its disks. */
export async function runsSystem(device: Pick<DeviceFacts, 'disks'>): Promise<boolean> {
  const system = await disksUnderPath('/');
  return device.disks.some((disk) => system.has(disk));
}

/** Everything the target rules need about the device at `path`. */
export async function targetFacts(
  path: string,
  chosenPaths: string[] = [],
): Promise<{ device: DeviceFacts; facts: TargetFacts }> {
  const device = await deviceFacts(path);
  return {
    device,
    facts: {
      size: device.size,
      readOnly: device.readOnly,
      system: await runsSystem(device),
      mounted: device.mounted,
      holds: await pathsOnDevice(device, chosenPaths),
    },
  };
}
