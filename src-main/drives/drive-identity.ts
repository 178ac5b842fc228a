// What a drive is known by across plug-ins (src-shared/drive-plan.ts): its serial number and
// size, else its model and size. The kernel's names (/dev/sdb) change from one plug-in to the
// next; these do not. A loop device has neither serial nor model: what it shows is its
// backing file, so that file (its whole path) stands for its model.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DriveIdentity } from '../../src-shared/drive-plan.js';

const run = promisify(execFile);

interface LsblkIds {
  path: string;
  serial: string | null;
  model: string | null;
}

/** Serial and model of every block device, by path (lsblk; empty where lsblk is missing). */
export async function serialsAndModels(): Promise<Map<string, LsblkIds>> {
  try {
    const { stdout } = await run('lsblk', ['--json', '-d', '-o', 'PATH,SERIAL,MODEL']);
    const devices = (JSON.parse(stdout) as { blockdevices: LsblkIds[] }).blockdevices;
    return new Map(devices.map((d) => [d.path, d]));
  } catch {
    return new Map();
  }
}

/** The identity of a listed drive (pure): `ids` from serialsAndModels. */
export function driveIdentity(
  drive: {
    path: string;
    size: number;
    description: string;
    virtual: boolean;
    busType: string;
    backingFile?: string;
  },
  ids: LsblkIds | undefined,
): DriveIdentity {
  const serial = ids?.serial?.trim() || null;
  const model =
    drive.busType === 'LOOP'
      ? (drive.backingFile ?? drive.description)
      : ids?.model?.trim() || null;
  return { serial, model, size: drive.size };
}
