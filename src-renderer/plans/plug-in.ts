// Which drives were just plugged in and have remembered settings (pure): the offer "Back up
// <drive> now?" goes to those alone, never to a drive without a plan. Drives already there
// when the app started were not plugged in while it ran: the first look only takes note.

import type { ApiDrive } from '../../src-shared/api.js';
import { driveKey, type DrivePlan } from '../../src-shared/drive-plan.js';

/** `seen`: the drives' keys at the previous look, or null at the first. */
export function pluggedInWithPlan(
  seen: ReadonlySet<string> | null,
  drives: readonly ApiDrive[],
  plans: Readonly<Record<string, DrivePlan>>,
): ApiDrive[] {
  if (seen === null) return [];
  return drives.filter((d) => {
    const key = driveKey(d.identity);
    return !seen.has(key) && plans[key] !== undefined;
  });
}
