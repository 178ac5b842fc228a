// A drive's images among those the history knows of (pure): the ones a backup here made of
// it (found by its serial and size, whatever its /dev name was then), for choosing a base and
// for keeping the last N.

import type { ImageRecord } from '../../src-shared/api.js';
import { driveKey, type DriveIdentity } from '../../src-shared/drive-plan.js';
import type { KeptImage } from './keep-last.js';

type Record_ = Omit<ImageRecord, 'exists' | 'sharedWithPrevious'> & { exists?: boolean | null };

/** The drive's images made here and not known to be gone, newest first. */
export function imagesOfDrive(records: readonly Record_[], drive: DriveIdentity): Record_[] {
  const key = driveKey(drive);
  return records
    .filter((r) => r.madeHere && r.madeAt !== null && r.exists !== false)
    .filter((r) => r.drive !== undefined && driveKey(r.drive) === key)
    .sort((a, b) => (b.madeAt ?? 0) - (a.madeAt ?? 0));
}

/** The image a repeat backup of the drive starts from: its newest verified one, or null. */
export function lastVerifiedImage(
  records: readonly Record_[],
  drive: DriveIdentity,
): string | null {
  return imagesOfDrive(records, drive).find((r) => r.verified === true)?.path ?? null;
}

/** The drive's images as keep-last.ts weighs them. */
export function keptImages(records: readonly Record_[], drive: DriveIdentity): KeptImage[] {
  return imagesOfDrive(records, drive).map((r) => ({
    path: r.path,
    createdAt: r.madeAt ?? 0,
    verified: r.verified === true,
    bytes: r.imageBytes ?? 0,
  }));
}
