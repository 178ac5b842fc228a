// Records as the drive list and the API give them, for tests that need one without a real
// drive or history: a USB stick that is a fine restore target, and a verified image made here
// of it. A test names only the fields it is about; the rest are these plain defaults.

import type { ApiDrive, ImageRecord } from '../../src-shared/api.js';
import type { DriveIdentity } from '../../src-shared/drive-plan.js';
import type { Drive } from '../drives/list-drives.js';

const GiB = 2 ** 30;

/** The stick as plans know it: the default drive's identity and the default image's drive. */
export const STICK: DriveIdentity = { serial: 'S123', model: 'Cruzer Blade', size: 32 * GiB };

/** A drive as the drive list reports it (before the target rules judge it). */
export function listedDrive(change: Partial<Drive> = {}): Drive {
  return {
    path: '/dev/sdb',
    description: 'SanDisk Cruzer Blade',
    size: 32 * GiB,
    busType: 'USB',
    removable: true,
    readOnly: false,
    system: false,
    virtual: false,
    mountpoints: [],
    identity: STICK,
    ...change,
  };
}

/** A drive as the API lists it: by default with no cautions, so a fine target. */
export function apiDrive(change: Partial<ApiDrive> = {}): ApiDrive {
  return { ...listedDrive(), cautions: [], canRestoreTo: true, ...change };
}

/** An image as listImages gives it: by default made here of STICK, verified, and there. */
export function imageRecord(change: Partial<ImageRecord> = {}): ImageRecord {
  return {
    path: '/backups/a.img.zst',
    madeHere: true,
    source: '/dev/sdb',
    madeAt: 0,
    size: 32 * GiB,
    imageBytes: GiB,
    ratio: 32,
    verified: true,
    sharedWithPrevious: null,
    verifiedAt: 0,
    lastUsedAt: 0,
    exists: true,
    drive: STICK,
    ...change,
  };
}
