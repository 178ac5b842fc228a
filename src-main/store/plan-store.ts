// The plans per drive (src-shared/drive-plan.ts), one JSON file in the data folder next to the
// history and settings, keyed by the drive's serial number and size.

import { join } from 'node:path';
import { z } from 'zod';
import {
  driveKey,
  DrivePlanSchema,
  type DriveIdentity,
  type DrivePlan,
} from '../../src-shared/drive-plan.js';
import { readJsonFile, writeJsonFile } from './json-file.js';

const PlansFileSchema = z.record(z.string(), DrivePlanSchema);

export interface PlanStore {
  /** Every plan, in no particular order. */
  list(): Promise<DrivePlan[]>;
  /** The plan of this drive, or null. */
  get(drive: DriveIdentity): Promise<DrivePlan | null>;
  /** Adds or replaces the plan of its drive. */
  put(plan: DrivePlan): Promise<void>;
  remove(drive: DriveIdentity): Promise<void>;
}

export function openPlans(dataDir: string): PlanStore {
  const file = join(dataDir, 'plans.json');
  const read = async () => (await readJsonFile(file, PlansFileSchema)) ?? {};
  // One change at a time: two at once would each write the file without the other's.
  let queue: Promise<unknown> = Promise.resolve();
  const change = (edit: (plans: Record<string, DrivePlan>) => void) => {
    const next = queue.then(async () => {
      const plans = await read();
      edit(plans);
      await writeJsonFile(file, plans);
    });
    queue = next.catch(() => {});
    return next;
  };
  return {
    list: async () => Object.values(await read()),
    get: async (drive) => (await read())[driveKey(drive)] ?? null,
    put: (plan) =>
      change((plans) => {
        plans[driveKey(plan.drive)] = DrivePlanSchema.parse(plan);
      }),
    remove: (drive) =>
      change((plans) => {
        delete plans[driveKey(drive)];
      }),
  };
}
