// Keep the last N images of a drive: which of its images to delete once a new one is made.
// Pure: the caller lists the images (with their verified state) and deletes what this says.
//
// The rules, each a promise to the user:
// - nothing is deleted unless the new image has been verified;
// - never an image outside the plan's folder (the user may keep copies elsewhere);
// - never the new image, and never the last verified image of the drive;
// - the oldest go first: the N newest of the folder are kept (the new one among them).

import { dirname, resolve } from 'node:path';

export interface KeptImage {
  path: string;
  /** When the backup was made (ms since 1970). */
  createdAt: number;
  /** A verify (or the backup's own) found it intact. */
  verified: boolean;
  /** Bytes it takes (for what deleting it frees). */
  bytes: number;
}

export interface Pruning {
  deletes: KeptImage[];
  /** Bytes the deletions free. */
  freed: number;
  /** Why nothing is deleted, when that is the plan's rule, not a lack of old images. */
  held?: 'new-image-not-verified' | 'keep-all';
}

export function planPruning(input: {
  /** The drive's images the app knows of, the new one included. */
  images: readonly KeptImage[];
  /** The image just made. */
  newImage: string;
  /** The plan's folder. */
  folder: string;
  /** How many to keep; null keeps all. */
  keep: number | null;
}): Pruning {
  if (input.keep === null) return { deletes: [], freed: 0, held: 'keep-all' };
  const newest = input.images.find((image) => samePath(image.path, input.newImage));
  if (!newest?.verified) return { deletes: [], freed: 0, held: 'new-image-not-verified' };
  const inFolder = input.images
    .filter((image) => samePath(dirname(image.path), input.folder))
    .filter((image) => !samePath(image.path, newest.path))
    .sort((a, b) => b.createdAt - a.createdAt);
  // The new image is one of the N kept.
  const deletes = inFolder.slice(Math.max(0, input.keep - 1));
  return { deletes, freed: deletes.reduce((sum, image) => sum + image.bytes, 0) };
}

/**
 * Before a planned backup: what deleting the oldest would free once the new image is made and
 * verified (the images that would then be beyond N), for the free-space check.
 */
export function spaceFreedAfterNext(input: {
  images: readonly KeptImage[];
  folder: string;
  keep: number | null;
}): number {
  if (input.keep === null) return 0;
  const next = '\0next';
  const pruning = planPruning({
    images: [
      ...input.images,
      { path: resolve(input.folder, next), createdAt: Infinity, verified: true, bytes: 0 },
    ],
    newImage: resolve(input.folder, next),
    folder: input.folder,
    keep: input.keep,
  });
  return pruning.freed;
}

function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}
