// Deleting an image the user made: the image file (or every part of a split one) and its
// sidecar index. Only regular files with the image's own names are removed; the caller has
// already checked that the history lists this image as one Spillway made.

import { lstat, rm } from 'node:fs/promises';
import { SIDECAR_SUFFIX } from '../../src-shared/sidecar.js';
import { MAX_PARTS, partPath } from '../engine/endpoints/split/part-names.js';

async function isFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null))?.isFile() ?? false;
}

/** Removes the image's files; returns the paths removed (empty: nothing was there). */
export async function deleteImage(image: string): Promise<string[]> {
  const candidates = [image, image + SIDECAR_SUFFIX];
  for (let index = 0; index < MAX_PARTS; index++) {
    const part = partPath(image, index);
    if (!(await isFile(part))) break;
    candidates.push(part);
  }
  const removed: string[] = [];
  for (const path of candidates) {
    if (!(await isFile(path))) continue;
    await rm(path);
    removed.push(path);
  }
  return removed;
}
