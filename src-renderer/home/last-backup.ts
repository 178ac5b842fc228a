// A drive's last backup in words, from the images the history knows of: "3 days ago,
// verified", "2 hours ago, not verified yet", or "Never backed up". An image counts when it
// was made here from this drive (recognised by its identity, not its /dev name) and is still
// on the disk as far as anyone knows.

import type { ImageRecord } from '../../src-shared/api.js';
import { driveKey, type DriveIdentity } from '../../src-shared/drive-plan.js';

/** The drive's newest image made here that is still there, or null. */
export function lastImageOf(
  identity: DriveIdentity,
  images: readonly ImageRecord[],
): ImageRecord | null {
  const key = driveKey(identity);
  let newest: ImageRecord | null = null;
  for (const image of images) {
    if (!image.madeHere || !image.drive || image.madeAt === null) continue;
    if (image.exists === false || driveKey(image.drive) !== key) continue;
    if (!newest || image.madeAt > (newest.madeAt ?? 0)) newest = image;
  }
  return newest;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;

/** "just now", "5 minutes ago", "yesterday", "3 days ago", "2 months ago". */
export function timeAgo(then: number, now: number): string {
  const gone = Math.max(0, now - then);
  if (gone < MINUTE) return 'just now';
  if (gone < HOUR) return count(Math.floor(gone / MINUTE), 'minute');
  if (gone < DAY) return count(Math.floor(gone / HOUR), 'hour');
  if (gone < 2 * DAY) return 'yesterday';
  if (gone < 60 * DAY) return count(Math.floor(gone / DAY), 'day');
  if (gone < 730 * DAY) return count(Math.floor(gone / (30 * DAY)), 'month');
  return count(Math.floor(gone / (365 * DAY)), 'year');
}

export interface LastBackupWords {
  /** "3 days ago, verified" or "Never backed up". */
  line: string;
  /** How the card marks it: fine, worth a look, or none at all. */
  tone: 'ok' | 'warn' | 'none';
}

export function lastBackupWords(image: ImageRecord | null, now: number): LastBackupWords {
  if (!image || image.madeAt === null) return { line: 'Never backed up', tone: 'none' };
  const when = timeAgo(image.madeAt, now);
  if (image.verified === true) return { line: `${when}, verified`, tone: 'ok' };
  if (image.verified === false) return { line: `${when}, damaged: found at verify`, tone: 'warn' };
  return { line: `${when}, not verified yet`, tone: 'warn' };
}
