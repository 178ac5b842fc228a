// What the backup wizard needs to know about a destination folder before starting: does it
// exist and take files, how much room is there, and is it FAT32 (images split below 4 GiB).

import { constants } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import { automaticPartSize } from '../engine/endpoints/split/part-names.js';

export type DestinationCheck =
  | { folder: string; usable: false; problem: 'missing' | 'not-a-folder' | 'read-only' }
  | {
      folder: string;
      usable: true;
      /** Bytes free for this user on the folder's volume. */
      free: number;
      /** Part size the image will be split into there (FAT32), or null. */
      splitAt: number | null;
    };

export async function checkDestination(path: string): Promise<DestinationCheck> {
  const folder = resolve(path);
  const info = await stat(folder).catch(() => null);
  if (!info) return { folder, usable: false, problem: 'missing' };
  if (!info.isDirectory()) return { folder, usable: false, problem: 'not-a-folder' };
  const writable = await access(folder, constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable) return { folder, usable: false, problem: 'read-only' };
  const volume = await statfs(folder);
  return {
    folder,
    usable: true,
    free: volume.bavail * volume.bsize,
    splitAt: automaticPartSize(volume.type),
  };
}
