// One folder's entries, for the app's own file and folder picker (a browser cannot hand a
// page real paths, and the helper may see files the UI's user cannot).

import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SpillwayError } from '../engine/errors.js';

/** Enough for any folder a user browses; a larger one is cut (and says so). */
const MAX_ENTRIES = 2000;

export interface FolderEntry {
  name: string;
  kind: 'folder' | 'file' | 'device' | 'other';
  /** Bytes, for files. */
  size: number | null;
}

export interface FolderListing {
  path: string;
  /** null at the root. */
  parent: string | null;
  entries: FolderEntry[];
  truncated: boolean;
}

export async function listFolder(path: string): Promise<FolderListing> {
  const folder = resolve(path);
  const dirents = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpillwayError(
      'not-found',
      code === 'ENOTDIR' ? `${folder} is not a folder.` : `Cannot open the folder ${folder}.`,
    );
  });
  const entries: FolderEntry[] = [];
  for (const dirent of dirents.slice(0, MAX_ENTRIES)) {
    const full = join(folder, dirent.name);
    // Follow symbolic links: a link to a folder is browsed like one.
    const info = dirent.isSymbolicLink() ? await stat(full).catch(() => null) : dirent;
    const kind: FolderEntry['kind'] = !info
      ? 'other'
      : info.isDirectory()
        ? 'folder'
        : info.isFile()
          ? 'file'
          : info.isBlockDevice()
            ? 'device'
            : 'other';
    const size = kind === 'file' ? ((await stat(full).catch(() => null))?.size ?? null) : null;
    entries.push({ name: dirent.name, kind, size });
  }
  entries.sort(
    (a, b) =>
      Number(b.kind === 'folder') - Number(a.kind === 'folder') || a.name.localeCompare(b.name),
  );
  return {
    path: folder,
    parent: folder === dirname(folder) ? null : dirname(folder),
    entries,
    truncated: dirents.length > MAX_ENTRIES,
  };
}
