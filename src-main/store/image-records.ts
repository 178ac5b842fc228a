// The images the history knows of, one record each (pure): the history is a log of jobs, in
// which one image appears once for its backup and again for every verify and restore; the
// Images screen lists images.

import type { HistoryEntry, ImageRecord } from '../../src-shared/api.js';
import { imageGroupKey, type DriveIdentity } from '../../src-shared/drive-plan.js';

export type ImageFacts = Omit<ImageRecord, 'exists' | 'sharedWithPrevious'>;

/** The image a job read or made, or null when it touched none (a failed backup). */
function imageOf(entry: HistoryEntry): string | null {
  switch (entry.kind) {
    case 'backup':
      return entry.outcome === 'done' ? entry.destination : null;
    case 'restore':
    case 'verify':
    case 'extract':
      return entry.source;
    default:
      return null;
  }
}

/** Every image in `entries` (oldest first, as the history keeps them), the newest first. */
export function imageRecords(entries: readonly HistoryEntry[]): ImageFacts[] {
  const records = new Map<string, ImageFacts>();
  for (const entry of entries) {
    const path = imageOf(entry);
    if (path === null) continue;
    const record: ImageFacts = records.get(path) ?? {
      path,
      madeHere: false,
      source: null,
      madeAt: null,
      size: null,
      imageBytes: null,
      ratio: null,
      verified: null,
      verifiedAt: null,
      lastUsedAt: entry.endedAt,
    };
    record.lastUsedAt = Math.max(record.lastUsedAt, entry.endedAt);
    if (entry.kind === 'backup') {
      // A new backup to the same path replaced the file: what was known of the old one is
      // no longer true of it.
      Object.assign(record, {
        madeHere: true,
        source: entry.source,
        madeAt: entry.endedAt,
        size: entry.size,
        imageBytes: entry.imageBytes,
        ratio: entry.ratio,
        verified: null,
        verifiedAt: null,
      });
      if (entry.drive) record.drive = entry.drive;
      else delete record.drive;
    } else if (entry.kind === 'verify' && entry.outcome === 'done') {
      record.verified = entry.verified;
      record.verifiedAt = entry.endedAt;
    }
    records.set(path, record);
  }
  // Newest first: when it was made, or for another tool's image when it was first used here.
  const when = (r: ImageFacts) => r.madeAt ?? r.lastUsedAt;
  return [...records.values()].sort((a, b) => when(b) - when(a));
}

/**
 * For each record (newest first, as imageRecords gives them), the index of the image it is
 * compared with: the next older one made here of the same drive that is `present`; null when
 * there is none, or the record itself is not made here or not present.
 */
export function previousOfSameDrive(
  records: ReadonlyArray<{ madeHere: boolean; drive?: DriveIdentity; source: string | null }>,
  present: readonly boolean[],
): Array<number | null> {
  const previous: Array<number | null> = records.map(() => null);
  const olderPresent = new Map<string, number>();
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i]!;
    if (!record.madeHere || !present[i]) continue;
    const key = imageGroupKey(record);
    previous[i] = olderPresent.get(key) ?? null;
    olderPresent.set(key, i);
  }
  return previous;
}
