// Where a backup's image goes: a file path, a folder (a name is made up), or "-" (stdout).
// Refuses to overwrite, and refuses a destination stored on the drive being read.

import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { disksUnderDevnum, disksUnderPath } from '../device/mounts.js';
import { SpillwayError } from '../errors.js';
import type { BackupSource } from '../source/backup-source.js';

/** "sdb-2026-11-22-1030.img.zst": the source's name and the time, to sort by date. */
export function imageNameFor(sourcePath: string, extension: string, now = new Date()): string {
  const stem = sourcePath === '-' ? 'stdin' : basename(sourcePath).replace(/\.[^.]*$/, '');
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}`;
  return `${stem}-${stamp}${extension}`;
}

export async function resolveDestination(
  destination: string,
  source: BackupSource,
  options: { force: boolean; extension: string; resume?: boolean },
): Promise<string> {
  if (destination === '-') {
    if (options.resume) throw new SpillwayError('usage', 'A backup to stdout cannot be resumed.');
    return '-';
  }
  let path = resolve(destination);
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) {
    if (options.resume) {
      throw new SpillwayError('usage', 'To resume, give the image’s name, not its folder.');
    }
    path = join(path, imageNameFor(source.info.path, options.extension));
  } else if (existing && !options.force) {
    throw new SpillwayError('destination-exists', `${destination} already exists.`, {
      hint: 'Choose another name, or add --force to replace it.',
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
          { hint: 'Save the image on another drive.' },
        );
      }
    }
  }
  return path;
}
