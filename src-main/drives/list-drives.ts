// The drives of this computer: drivelist (the same enumeration balenaEtcher uses) and, when
// asked for all devices, loop devices from lsblk, which drivelist hides. Virtual disks and
// the tests' loop devices are only ever offered through that explicit setting.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { basename } from 'node:path';
import drivelist from 'drivelist';
import { blockDeviceAt } from '../engine/device/block-device.js';
import type { DriveIdentity } from '../../src-shared/drive-plan.js';
import { driveIdentity, serialsAndModels } from './drive-identity.js';
import { driveName } from './drive-name.js';

const run = promisify(execFile);

export interface Drive {
  /** "/dev/sdb" */
  path: string;
  /** What the user recognises it by: model or description. */
  description: string;
  size: number;
  busType: string;
  removable: boolean;
  readOnly: boolean;
  /** Holds the running system (drivelist's judgement). */
  system: boolean;
  /** A loop, RAM or other virtual device. */
  virtual: boolean;
  mountpoints: string[];
  /** A loop device's backing file, by its whole path: the file stands for its model. */
  backingFile?: string;
  /** What it is known by across plug-ins (its plan's key). */
  identity: DriveIdentity;
}

interface LsblkDevice {
  path: string;
  size: number | null;
  type: string;
  model: string | null;
  rm: boolean;
  ro: boolean;
  mountpoints?: Array<string | null>;
  children?: LsblkDevice[];
}

/** Loop devices that are attached (lsblk lists detached ones with size 0). */
export async function listLoopDevices(): Promise<Array<Omit<Drive, 'identity'>>> {
  const { stdout } = await run('lsblk', [
    '--json',
    '--bytes',
    '-o',
    'PATH,SIZE,TYPE,MODEL,RM,RO,MOUNTPOINTS',
  ]);
  const devices = (JSON.parse(stdout) as { blockdevices: LsblkDevice[] }).blockdevices;
  const loops = devices.filter((d) => d.type === 'loop' && (d.size ?? 0) > 0);
  // lsblk of Debian 12 has no BACK-FILE column: sysfs knows the backing file.
  const backing = await Promise.all(
    loops.map((d) =>
      blockDeviceAt(d.path).then(
        (info) => info.backingFile,
        () => undefined,
      ),
    ),
  );
  return loops.map((d, i) => ({
    path: d.path,
    // The file's name, not its path: a path of a few folders wraps a card's title onto
    // several lines, and the name is what the person chose.
    description: backing[i] ? `Loop device (${basename(backing[i])})` : 'Loop device',
    ...(backing[i] ? { backingFile: backing[i] } : {}),
    size: d.size ?? 0,
    busType: 'LOOP',
    removable: d.rm,
    readOnly: d.ro,
    system: false,
    virtual: true,
    mountpoints: [d, ...(d.children ?? [])].flatMap((x) =>
      (x.mountpoints ?? []).filter((m): m is string => !!m),
    ),
  }));
}

type DrivelistRecord = Awaited<ReturnType<typeof drivelist.list>>[number];

/** One of drivelist's records as a Drive: named by its words (drive-name.ts); a virtual
 *  device is not "removable" (drivelist says so of every one: there is nothing to unplug). */
export function driveFromRecord(d: DrivelistRecord, index: number): Omit<Drive, 'identity'> {
  const virtual = d.isVirtual ?? false;
  return {
    path: d.device,
    description: driveName(d, index),
    size: d.size ?? 0,
    busType: d.busType,
    removable: d.isRemovable && !virtual,
    readOnly: d.isReadOnly,
    system: d.isSystem,
    virtual,
    mountpoints: d.mountpoints.map((m) => m.path),
  };
}

export async function listDrives(options: { all?: boolean } = {}): Promise<Drive[]> {
  const found = await drivelist.list();
  const drives = found.map(driveFromRecord).filter((d) => options.all || d.size > 0);
  if (options.all) {
    const known = new Set(drives.map((d) => d.path));
    drives.push(...(await listLoopDevices()).filter((d) => !known.has(d.path)));
  }
  const ids = await serialsAndModels();
  return drives.map((d) => ({ ...d, identity: driveIdentity(d, ids.get(d.path)) }));
}
