// Every reason a drive should not be a restore target, as data: the target rules of
// src-shared/target-rules.ts over the facts the kernel gives (target-facts.ts), the very
// rules a restore's plan refuses a typed target with. The UI greys the drive out and words
// the cautions; a drive is a fine target only when it has none.

import type { Caution } from '../../src-shared/api.js';
import type { MountedPart } from '../../src-shared/protocol/plans.js';
import { targetCautions, type TargetFacts } from '../../src-shared/target-rules.js';
import { targetFacts } from '../engine/device/target-facts.js';
import type { Drive } from './list-drives.js';

export { CAUTION_KINDS, type Caution, type CautionKind } from '../../src-shared/api.js';

export interface ClassifiedDrive extends Drive {
  cautions: Caution[];
  /** No cautions: it may be offered as a restore target. */
  canRestoreTo: boolean;
}

/**
 * The facts about a listed drive. The kernel's, when it gives them (Linux), are the ones a
 * restore's plan judges a typed path by, so the list says exactly what the plan would:
 * drivelist calls every fixed disk "system", the kernel only the one the computer runs
 * from (the others' mounted partitions are cautions of their own). Elsewhere, drivelist's.
 */
export function listedDriveFacts(
  drive: Omit<Drive, 'identity'>,
  kernel: TargetFacts | null,
): TargetFacts {
  if (kernel) return kernel;
  return {
    size: drive.size,
    readOnly: drive.readOnly,
    system: drive.system,
    mounted: drive.mountpoints.map((mountPoint): MountedPart => ({
      device: drive.path,
      mountPoint,
    })),
    holds: [],
  };
}

export async function classifyDrives(
  drives: Drive[],
  paths: string[] = [],
): Promise<ClassifiedDrive[]> {
  return Promise.all(
    drives.map(async (drive) => {
      const kernel = await targetFacts(drive.path, paths).then(
        (found) => found.facts,
        () => null,
      );
      const facts = listedDriveFacts(drive, kernel);
      const cautions = targetCautions(facts);
      // The "system" badge says what the rules went by.
      return { ...drive, system: facts.system, cautions, canRestoreTo: cautions.length === 0 };
    }),
  );
}
