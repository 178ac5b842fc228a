// The Images screen's sections (pure): images made here, grouped by the drive they were made
// from (by what the drive is known by across plug-ins, its serial number and size, as plans
// know it; not by its /dev name, which changes from one plug-in to the next), newest first
// within each and the group with the newest image first; then the images of other tools that
// were restored or verified here.

import type { ImageRecord } from '../../src-shared/api.js';
import { imageGroupKey, type DriveIdentity } from '../../src-shared/drive-plan.js';

export interface ImageGroup {
  /** What its images are kept together by (imageGroupKey); null: other tools' images. */
  key: string | null;
  /** The drive its images were made from, when known. */
  drive: DriveIdentity | null;
  /** The drive or file its newest image was read from; null: other tools' images. */
  source: string | null;
  images: ImageRecord[];
}

const made = (image: ImageRecord) => image.madeAt ?? image.lastUsedAt;

export function imageGroups(images: readonly ImageRecord[]): ImageGroup[] {
  const groups = new Map<string | null, ImageRecord[]>();
  for (const image of images) {
    const key = image.madeHere ? imageGroupKey(image) : null;
    groups.set(key, [...(groups.get(key) ?? []), image]);
  }
  const ours = [...groups.entries()]
    .filter((entry): entry is [string, ImageRecord[]] => entry[0] !== null)
    .map(([key, list]) => {
      const newestFirst = [...list].sort((a, b) => made(b) - made(a));
      const newest = newestFirst[0]!;
      return { key, drive: newest.drive ?? null, source: newest.source, images: newestFirst };
    })
    .sort((a, b) => made(b.images[0]!) - made(a.images[0]!));
  const other = groups.get(null);
  return [...ours, ...(other ? [{ key: null, drive: null, source: null, images: other }] : [])];
}
