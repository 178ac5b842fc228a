// A folder of a partition in an image, listed: each entry's name, kind, size, time and mode,
// and where a symlink points. A file named instead of a folder lists as itself, as `ls` does.

import type { Entry, EntryKind } from '../filesystems/browse.js';
import type { ImageBrowser } from './image-browser.js';
import { entryError } from './image-browser.js';
import { baseName } from './image-path.js';

export interface FolderEntry {
  name: string;
  kind: EntryKind;
  /** A file's length, a symlink's target length; 0 for folders. */
  size: number;
  /** ms since 1970 UTC; null when the filesystem keeps none. */
  mtimeMs: number | null;
  /** Permission bits where the filesystem has them (ext); else null. */
  mode: number | null;
  /** A symlink's target; null for anything else, or when it cannot be read. */
  target: string | null;
}

export interface FolderListing {
  /** The partition it is in, as numbered by the layout. */
  partition: number;
  /** The folder (or file) listed, cleaned: "/docs". */
  path: string;
  kind: EntryKind;
  entries: FolderEntry[];
  /** Entries left out past `limit`. */
  truncated: boolean;
}

/** Lists `path` of partition `partition` (null: the one that holds files). */
export async function listImageFolder(
  browser: ImageBrowser,
  partition: number | null,
  path: string,
  options: { limit?: number } = {},
): Promise<FolderListing> {
  const where = await browser.partition(partition);
  const entry = await browser.entry(where, path, partition);
  const index = where.partition.index;
  if (entry.kind !== 'folder') {
    const self = { ...entry, name: baseName(path) };
    return {
      partition: index,
      path,
      kind: entry.kind,
      entries: [await folderEntry(where.tree, self)],
      truncated: false,
    };
  }
  let children: Entry[];
  try {
    children = await where.tree.list(entry);
  } catch (error) {
    throw entryError(error, partition, path);
  }
  const limit = options.limit ?? Infinity;
  const shown = children.slice(0, limit);
  const entries: FolderEntry[] = [];
  for (const child of shown) entries.push(await folderEntry(where.tree, child));
  return { partition: index, path, kind: 'folder', entries, truncated: children.length > limit };
}

async function folderEntry(
  tree: { readLink(link: Entry): Promise<string> },
  entry: Entry,
): Promise<FolderEntry> {
  let target: string | null = null;
  if (entry.kind === 'symlink') {
    // A link whose target cannot be read is still listed; opening it says why.
    target = await tree.readLink(entry).catch(() => null);
  }
  return {
    name: entry.name,
    kind: entry.kind,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    mode: entry.mode,
    target,
  };
}
