// Before a planned backup: whether the plan's folder has room for an image like the drive's
// last one, and, when it may not, what deleting the oldest (keep the last N, after the new
// image verified) would free. Pure; the handler sends it as the job's first warning.

import { formatBytes } from '../../src-shared/units.js';
import { spaceFreedAfterNext, type KeptImage } from './keep-last.js';

/** The warning to give, or null when the folder clearly has room (or nothing is known). */
export function spaceNote(input: {
  folder: string;
  free: number;
  /** What a backup leaves free on that volume (it stops before going below). */
  reserve: number;
  /** The drive's images, newest first. */
  images: readonly KeptImage[];
  keep: number | null;
}): string | null {
  const last = input.images[0];
  if (!last || last.bytes === 0 || input.free - input.reserve >= last.bytes) return null;
  const freed = spaceFreedAfterNext(input);
  const after =
    freed > 0
      ? ` Once it is made and verified, deleting this drive's oldest images there frees ${formatBytes(freed)}.`
      : '';
  return (
    `${input.folder} has ${formatBytes(input.free)} free, of which a backup leaves ` +
    `${formatBytes(input.reserve)} unused, and this drive's last image took ` +
    `${formatBytes(last.bytes)}: the new one may not fit.${after}`
  );
}
