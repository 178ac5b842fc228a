// Where a backup's image goes: a file path, a folder (a name is made up), "-" (stdout) or an
// ssh:// URL; and whether it is written in parts (asked for, or on FAT32, which cannot hold
// a file of 4 GiB). Refuses to overwrite, and refuses a destination stored on the drive
// being read.

import { readdir, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Remedy } from '../../../src-shared/errors.js';
import { uniqueImageName } from '../../../src-shared/image-names.js';
import { formatBytes } from '../../../src-shared/units.js';
import { disksUnderDevnum, disksUnderPath } from '../device/mounts.js';
import { isStreamDestination } from '../endpoints/open-sink.js';
import { automaticPartSize } from '../endpoints/split/part-names.js';
import { isSshUrl, parseSshUrl } from '../endpoints/ssh/url.js';
import { SpillwayError } from '../errors.js';
import type { BackupSource } from '../source/backup-source.js';

export interface Destination {
  /** What the sink is opened with: a path here, "-" or an ssh:// URL. */
  name: string;
  /** The image's path on this machine; null when it goes out as a stream (stdout, another
   *  machine): then nothing is written beside it. */
  path: string | null;
  /** Parts of this many bytes, or null for one file. */
  partSize: number | null;
}

/** "sdb-2026-11-22-1030.img.zst" in `folder`: the source's name and the time, to sort by
 *  date; "-2", "-3" … when the folder already holds that name (image-names.ts). */
export async function imageNameIn(
  folder: string,
  sourcePath: string,
  extension: string,
  now = new Date(),
): Promise<string> {
  const names = new Set(await readdir(folder));
  return uniqueImageName(sourcePath, extension, now, names);
}

export async function resolveDestination(
  destination: string,
  source: BackupSource,
  options: {
    force: boolean;
    extension: string;
    resume: boolean;
    split: number | false | undefined;
    warn(message: string, remedy?: Remedy): void;
  },
): Promise<Destination> {
  if (isStreamDestination(destination)) {
    // An ssh:// URL that cannot be understood is refused before anything is read.
    if (isSshUrl(destination)) parseSshUrl(destination);
    return { name: destination, path: null, partSize: null };
  }
  const path = await filePath(destination, source, options);
  return { name: path, path, partSize: await partSizeFor(path, options) };
}

async function filePath(
  destination: string,
  source: BackupSource,
  options: { force: boolean; extension: string; resume: boolean },
): Promise<string> {
  let path = resolve(destination);
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) {
    if (options.resume) {
      throw new SpillwayError('usage', 'To resume, give the image’s name, not its folder.');
    }
    path = join(path, await imageNameIn(path, source.info.path, options.extension));
  } else if (existing && !options.force) {
    throw new SpillwayError('destination-exists', `${destination} already exists.`, {
      facts: { path: destination },
      remedy: 'overwrite',
    });
  }
  if (existing && !existing.isDirectory() && !existing.isFile()) {
    throw new SpillwayError('usage', `${destination} is not a file: images are written to files.`);
  }
  if (source.type === 'positioned') {
    if (source.info.kind === 'file' && resolve(source.info.path) === path) {
      throw new SpillwayError('destination-on-source', 'The image cannot replace its own source.');
    }
    if (source.info.kind === 'device') {
      // Would writing the destination change the source? Follow the destination all the way
      // down (through loop backing files); the source stops at its own device.
      const sourceDisks = await disksUnderDevnum(source.devnum, 0, false);
      const destinationDisks = await disksUnderPath(dirname(path));
      const shared = [...destinationDisks].filter((disk) => sourceDisks.has(disk));
      if (shared.length > 0) {
        throw new SpillwayError(
          'destination-on-source',
          `${dirname(path)} is on the drive being backed up (${shared.join(', ')}).`,
          { facts: { folder: dirname(path) }, remedy: 'choose-other-destination' },
        );
      }
    }
  }
  return path;
}

/** The size of the parts to write, or null for one file (see BackupOptions.split). */
async function partSizeFor(
  path: string,
  options: {
    resume: boolean;
    split: number | false | undefined;
    warn(message: string, remedy?: Remedy): void;
  },
): Promise<number | null> {
  if (typeof options.split === 'number') return options.split;
  // A resumed backup continues its one file.
  if (options.split === false || options.resume) return null;
  const automatic = automaticPartSize((await statfs(dirname(path))).type);
  if (automatic !== null) {
    options.warn(
      `${dirname(path)} is FAT32, which cannot hold files of 4 GiB or more: the image ` +
        `is written in parts of ${formatBytes(automatic)} (${basename(path)}.000, .001, …).`,
    );
  }
  return automatic;
}
