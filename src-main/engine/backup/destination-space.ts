// A destination that fills up: stop before the disk is full (a small reserve stays free for
// the rest of the system), or when it refuses a write, with words that say which volume and
// about how much more the image would have needed.

import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatBytes } from '../../../src-shared/units.js';
import { mountPointOf } from '../device/mounts.js';
import type { ImageSink } from '../endpoints/image-sink.js';
import { SpillwayError } from '../errors.js';
import type { Counters } from '../progress/progress-tracker.js';

/** Free space a backup leaves on the destination volume: 1% of it, 16 MiB to 1 GiB. */
export function destinationReserve(volumeBytes: number): number {
  return Math.min(2 ** 30, Math.max(16 * 2 ** 20, Math.floor(volumeBytes / 100)));
}

/** Why the watcher stopped a backup: the destination's free space fell below its reserve. */
export class DestinationNearlyFull extends Error {
  constructor(
    readonly free: number,
    readonly reserve: number,
  ) {
    super(`the destination has ${free} bytes free, below the ${reserve} bytes kept free`);
    this.name = 'DestinationNearlyFull';
  }
}

/** The destination ran out of space: the watcher stopped the job, or a write was refused. */
export function isDiskFull(error: unknown): boolean {
  if (error instanceof DestinationNearlyFull) return true;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}

export interface FreeSpaceWatch {
  stop(): void;
}

/**
 * Measures the destination's free space now and every second after (shown in the progress
 * as destinationFree); when it falls below the reserve, `stop` is aborted with a
 * DestinationNearlyFull. A stream destination has no free space to watch.
 */
export async function watchFreeSpace(
  sink: ImageSink,
  /** The image's path on this machine; null for a stream destination. */
  imagePath: string | null,
  counters: Counters,
  stop: AbortController,
  /** A failed look misses one second's look (the next one comes); this says why, for the log. */
  lookFailed: (error: unknown) => void,
): Promise<FreeSpaceWatch> {
  const reserve = imagePath === null ? 0 : destinationReserve(await volumeSize(dirname(imagePath)));
  const refresh = async () => {
    const free = await sink.freeSpace();
    counters.destinationFree = free;
    if (free !== null && free < reserve) stop.abort(new DestinationNearlyFull(free, reserve));
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch(lookFailed), 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function volumeSize(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.blocks * fs.bsize;
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
    {
      facts: { volume, ...(more !== null ? { need: more } : {}), ...(kept ? { kept } : {}) },
      remedy: 'free-space',
    },
  );
}
