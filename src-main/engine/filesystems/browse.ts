// Reading files out of a filesystem, strictly read-only: one browse reader per filesystem
// (ext/browse.ts, fat/browse.ts, exfat/browse.ts, ntfs/browse.ts), beside that filesystem's
// allocation reader, behind this one interface. Each is a pure parser over ReadAt (the
// partition's bytes, from an image or a drive), so tests and fuzzers can hand it any bytes.
//
// Every number read from the disk is distrusted: a damaged folder or file is a BrowseError
// for that entry, never a crash, a hang or an allocation the size of a lie. Paths are walked
// here, once, for every filesystem (browsePath).

import type { ReadAt } from '../read-at.js';

export type EntryKind = 'file' | 'folder' | 'symlink' | 'other';

export interface Entry {
  /** The name as the filesystem stores it, decoded (UTF-8 for ext, UTF-16 elsewhere). */
  name: string;
  kind: EntryKind;
  /** Bytes of content (a file's length, a symlink's target length; 0 for folders). */
  size: number;
  /** Last modification, in ms since 1970 UTC; null when the filesystem has none. */
  mtimeMs: number | null;
  /** POSIX permission bits (0o7777) where the filesystem has them (ext), else null. */
  mode: number | null;
  /** How the reader finds the entry again (an inode, an MFT reference, a first cluster…):
   *  opaque to everyone else. Two names of one hard-linked file have the same key. */
  key: string;
}

export interface FilesystemTree {
  /** 'ext2' | 'ext3' | 'ext4' | 'vfat' (FAT12/16/32) | 'exfat' | 'ntfs' */
  readonly filesystem: string;
  readonly label: string | null;
  /** Whether names differ only by case are the same name (FAT, exFAT, NTFS). */
  readonly caseInsensitive: boolean;
  /** Things this reader does not show, said once (e.g. "alternate data streams are skipped"). */
  readonly notes: string[];
  /** The root folder. */
  root(): Promise<Entry>;
  /** A folder's entries, without "." and "..", in the order the filesystem keeps them. */
  list(folder: Entry): Promise<Entry[]>;
  /** A file's bytes, in order, in chunks of at most 1 MiB; holes (sparse) come as zeros. */
  read(file: Entry): AsyncIterable<Uint8Array>;
  /** A symlink's target, as stored. */
  readLink(link: Entry): Promise<string>;
}

/** Opens a filesystem, or says null when the partition does not hold this filesystem. */
export interface BrowseReader {
  name: string;
  open(read: ReadAt, size: number): Promise<FilesystemTree | null>;
}

export type BrowseProblem = 'not-found' | 'not-a-folder' | 'damaged';

/** A path that does not exist, or an entry whose on-disk structures cannot be trusted. */
export class BrowseError extends Error {
  constructor(
    readonly problem: BrowseProblem,
    /** The path (or entry name) it is about. */
    readonly path: string,
    /** What is wrong, in plain words ("its extent tree points past the filesystem"). */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'BrowseError';
  }
}

/** The parts of a '/'-separated path: '/a//b/' → ['a', 'b']. */
export function pathParts(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/** The entry at `path` ('/' is the root), following no symlinks. */
export async function browsePath(tree: FilesystemTree, path: string): Promise<Entry> {
  let entry = await tree.root();
  const walked: string[] = [];
  for (const part of pathParts(path)) {
    if (part === '..') throw new BrowseError('not-found', path, '".." is not allowed in a path');
    walked.push(part);
    const here = '/' + walked.join('/');
    if (entry.kind !== 'folder') throw new BrowseError('not-a-folder', here, 'not a folder');
    const children = await tree.list(entry);
    const exact = children.find((child) => child.name === part);
    const folded = tree.caseInsensitive
      ? children.find((child) => child.name.toLowerCase() === part.toLowerCase())
      : undefined;
    const next = exact ?? folded;
    if (!next) throw new BrowseError('not-found', here, 'no such file or folder');
    entry = next;
  }
  return entry;
}
