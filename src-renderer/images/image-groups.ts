// The Images screen's sections (pure): images made here, grouped by the drive they were made
// from, newest first within each and the group with the newest image first; then the images
// of other tools that were restored or verified here.

import type { ImageRecord } from '../../src-shared/api.js';

export interface ImageGroup {
  /** The drive or file the images were made from; null: other tools' images. */
  source: string | null;
  images: ImageRecord[];
}

export function imageGroups(images: readonly ImageRecord[]): ImageGroup[] {
  const groups = new Map<string | null, ImageRecord[]>();
  // `images` come newest first, so each group's first image is its newest.
  for (const image of images) {
    const key = image.madeHere ? image.source : null;
    groups.set(key, [...(groups.get(key) ?? []), image]);
  }
  const made = [...groups.entries()].filter(([source]) => source !== null);
  const other = groups.get(null);
  return [
    ...made.map(([source, list]) => ({ source, images: list })),
    ...(other ? [{ source: null, images: other }] : []),
  ];
}
