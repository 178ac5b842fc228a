// A destination that fills up: stop before the disk is full (a small reserve stays free for
// the rest of the system), or when it refuses a write, with words that say which volume and
// about how much more the image would have needed.

import { dirname } from 'node:path';
import { formatBytes } from '../../../src-shared/units.js';
import { mountPointOf } from '../device/mounts.js';
import { SpillwayError } from '../errors.js';
import type { Counters } from '../progress/progress-tracker.js';

/** Free space a backup leaves on the destination volume: 1% of it, 16 MiB to 1 GiB. */
export function destinationReserve(volumeBytes: number): number {
  return Math.min(2 ** 30, Math.max(16 * 2 ** 20, Math.floor(volumeBytes / 100)));
}

export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}

/** How much more the image needs, from what is left and the ratio so far; null if unknown. */
export function moreNeeded(counters: Counters): number | null {
  const { streamTotal, streamDone, bytesWritten } = counters;
  if (streamTotal === null || streamDone === 0) return null;
  return Math.ceil(((streamTotal - streamDone) * bytesWritten) / streamDone);
}

export async function destinationFull(
  destination: string,
  counters: Counters,
  kept: string | null,
): Promise<SpillwayError> {
  const volume = await mountPointOf(dirname(destination));
  const more = moreNeeded(counters);
  const need = more === null ? 'more space' : `about ${formatBytes(more)} more`;
  return new SpillwayError(
    'destination-full',
    `The disk holding ${volume} is full: the image needed ${need} than there was. ` +
      (kept ? `The part written is kept as ${kept}.` : 'Nothing was left behind.'),
    { hint: `Free ${need} on ${volume}, or save the image on another disk.` },
  );
}
