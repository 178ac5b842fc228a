// Every reason a drive should not be a restore target, as data: the UI turns the kinds into
// words and greys the drive out; nothing here builds a sentence for it. A drive is a fine
// target only when it has none of them.

import { basename } from 'node:path';
import { disksUnderPath } from '../engine/device/mounts.js';
import type { Caution } from '../../src-shared/api.js';
import type { Drive } from './list-drives.js';

export { CAUTION_KINDS, type Caution, type CautionKind } from '../../src-shared/api.js';

export interface ClassifiedDrive extends Drive {
  cautions: Caution[];
  /** No cautions: it may be offered as a restore target. */
  canRestoreTo: boolean;
}

/** The facts found about this machine, for the pure rule below. */
export interface DriveFacts {
  /** Kernel names of the disks the root filesystem lives on ("sda", "nvme0n1"). */
  systemDisks: Set<string>;
  /** For each chosen path, the disks it lives on (through loop devices too). */
  pathDisks: Map<string, Set<string>>;
}

export function cautionsFor(drive: Drive, facts: DriveFacts): Caution[] {
  const name = basename(drive.path);
  const cautions: Caution[] = [];
  if (drive.system || facts.systemDisks.has(name)) cautions.push({ kind: 'system' });
  for (const [path, disks] of facts.pathDisks) {
    if (disks.has(name)) cautions.push({ kind: 'holds-path', path });
  }
  if (drive.mountpoints.length > 0) cautions.push({ kind: 'mounted' });
  if (drive.readOnly) cautions.push({ kind: 'read-only' });
  return cautions;
}

export async function classifyDrives(
  drives: Drive[],
  paths: string[] = [],
): Promise<ClassifiedDrive[]> {
  const facts: DriveFacts = {
    systemDisks: await disksUnderPath('/'),
    pathDisks: new Map(
      await Promise.all(paths.map(async (p) => [p, await disksUnderPath(p)] as const)),
    ),
  };
  return drives.map((drive) => {
    const cautions = cautionsFor(drive, facts);
    return { ...drive, cautions, canRestoreTo: cautions.length === 0 };
  });
}
