// What the Images screen shows of each image made here beyond what the history says: the drive
// it was made from as its manifest records it (when the history does not know it), and how
// much it shares with the image of that drive made before it (engine/sharing/). Both come from
// the images' manifests, read by the main process as image-exists.ts looks: an image it may
// not read is "unreadable" here; listing images never starts the helper.
//
// Kept between calls: the screen lists images each time it is shown, and a large drive's
// manifest is megabytes of frame hashes to read and check. A version of an image is known by
// its path, size and modification time; what is kept is small (a drive's identity, a pair's
// counts), never the manifests themselves, and only for the versions listed last time.

import { stat } from 'node:fs/promises';
import type { ImageRecord } from '../../src-shared/api.js';
import { manifestDrive, type DriveIdentity } from '../../src-shared/drive-plan.js';
import type { Manifest } from '../../src-shared/manifest.js';
import type { BaseRefusal } from '../../src-shared/protocol/events.js';
import type { SharedFrames } from '../../src-shared/shared-frames.js';
import { partPath } from '../engine/endpoints/split/part-names.js';
import { isSshUrl } from '../engine/endpoints/ssh/url.js';
import { openImage } from '../engine/image/open-image.js';
import { sharedFrames } from '../engine/sharing/shared-frames.js';
import { previousOfSameDrive, type ImageFacts } from '../store/image-records.js';

/** An image's manifest, or why it has none to give here. */
export type ManifestRead = Manifest | BaseRefusal;

/** The manifest of the image at `path`, as a backup with it as base would judge it. */
export async function readManifest(path: string): Promise<ManifestRead> {
  // Listing images opens no connection to another machine.
  if (isSshUrl(path)) return 'unreadable';
  let image;
  try {
    image = await openImage(path);
  } catch {
    // Not allowed here, encrypted, damaged, gone since: "unreadable" is what is shown.
    return 'unreadable';
  }
  try {
    return image.layout === 'indexed' && image.manifest ? image.manifest : 'not-spillway';
  } finally {
    await image.input.close();
  }
}

/** The version of the image at `path` (its file, or its first part): null when not there. */
async function versionOf(path: string): Promise<string | null> {
  for (const file of [path, partPath(path, 0)]) {
    const st = await stat(file).catch(() => null);
    if (st?.isFile()) return `${path}\n${st.size}\n${st.mtimeMs}`;
  }
  return null;
}

export type ListedImage = ImageFacts & { exists: boolean | null };

export class ImageSharing {
  /** Per version of an image: the drive its manifest names (null: none, or unreadable). */
  private drives = new Map<string, DriveIdentity | null>();
  /** Per pair of versions, the newer's then the older's: what the newer shares. */
  private pairs = new Map<string, SharedFrames>();
  /** Manifests read (for tests: what the cache saves). */
  reads = 0;

  constructor(private readonly read: (path: string) => Promise<ManifestRead> = readManifest) {}

  /** `records` (newest first) with their drives and what each shares with the one before. */
  async annotate(records: readonly ListedImage[]): Promise<ImageRecord[]> {
    // This call's manifests, each read at most once, and let go with the call.
    const manifests = new Map<string, Promise<ManifestRead>>();
    const manifestOf = (path: string) => {
      let read = manifests.get(path);
      if (!read) {
        this.reads++;
        read = this.read(path);
        manifests.set(path, read);
      }
      return read;
    };
    const versions = await Promise.all(
      records.map((r) => (r.madeHere ? versionOf(r.path) : Promise.resolve(null))),
    );
    const drives = new Map<string, DriveIdentity | null>();
    const withDrives = await Promise.all(
      records.map(async (record, i) => {
        const version = versions[i];
        if (record.drive || !version) return record;
        let drive = this.drives.get(version);
        if (drive === undefined) {
          const manifest = await manifestOf(record.path);
          drive = typeof manifest === 'string' ? null : manifestDrive(manifest.source);
        }
        drives.set(version, drive);
        return drive ? { ...record, drive } : record;
      }),
    );
    const previous = previousOfSameDrive(
      withDrives,
      versions.map((v) => v !== null),
    );
    const pairs = new Map<string, SharedFrames>();
    const listed = await Promise.all(
      withDrives.map(async (record, i): Promise<ImageRecord> => {
        const before = previous[i];
        if (before === null || before === undefined) return { ...record, sharedWithPrevious: null };
        const pair = `${versions[i]}\n\n${versions[before]}`;
        let shared = this.pairs.get(pair);
        if (!shared) {
          const [newer, older] = await Promise.all([
            manifestOf(record.path),
            manifestOf(withDrives[before]!.path),
          ]);
          shared =
            typeof newer === 'string'
              ? { comparable: false, reason: newer }
              : typeof older === 'string'
                ? { comparable: false, reason: older }
                : sharedFrames(newer, older);
        }
        pairs.set(pair, shared);
        return { ...record, sharedWithPrevious: { image: withDrives[before]!.path, ...shared } };
      }),
    );
    // Only what this listing used is kept: deleted and rewritten images are forgotten.
    this.drives = drives;
    this.pairs = pairs;
    return listed;
  }
}
