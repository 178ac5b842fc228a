// Whole trees as sorted rows, to compare what a browse reader sees with what the kernel, FUSE
// or mtools show of the same filesystem: path, kind, size, mtime, the SHA-256 of a file's
// bytes (a symlink's target for symlinks), and the key (to check that hard links share one).
// Generic over the browse interface: any FilesystemTree.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry, EntryKind, FilesystemTree } from '../engine/filesystems/browse.js';

export interface TreeRow {
  /** '/a/b' from the root. */
  path: string;
  kind: EntryKind;
  size: number;
  mtimeMs: number | null;
  /** Files: SHA-256 of the bytes; symlinks: the target; else null. */
  content: string | null;
  /** The reader's key (browse trees) or "dev:ino" (mounted trees): equal for hard links. */
  key: string;
}

const byPath = (a: TreeRow, b: TreeRow) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export interface WalkOptions {
  /** Files whose bytes are not read (content stays null). */
  skipContent?: (path: string) => boolean;
  /** Folders that are listed as entries but not opened. */
  skipFolder?: (path: string) => boolean;
}

/**
 * Every entry under the root of `tree`, sorted by path. Files are read whole (their chunks
 * checked to be at most 1 MiB each, their length to be the size listed). A folder met twice
 * (a loop in a damaged filesystem) is an error.
 */
export async function walkBrowseTree(
  tree: FilesystemTree,
  { skipContent = () => false, skipFolder = () => false }: WalkOptions = {},
): Promise<TreeRow[]> {
  const rows: TreeRow[] = [];
  const walked = new Set<string>();
  const walk = async (folder: Entry, dir: string) => {
    if (walked.has(folder.key)) throw new Error(`${dir}: folder met twice (a loop)`);
    walked.add(folder.key);
    for (const entry of await tree.list(folder)) {
      const path = `${dir}/${entry.name}`;
      let content: string | null = null;
      if (entry.kind === 'file' && !skipContent(path)) {
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of tree.read(entry)) {
          if (chunk.length > 2 ** 20) throw new Error(`${path}: a chunk of ${chunk.length} bytes`);
          hash.update(chunk);
          bytes += chunk.length;
        }
        if (bytes !== entry.size) throw new Error(`${path}: read ${bytes} bytes of ${entry.size}`);
        content = hash.digest('hex');
      } else if (entry.kind === 'symlink') {
        content = await tree.readLink(entry);
      }
      const size = entry.kind === 'folder' ? 0 : entry.size;
      rows.push({ path, kind: entry.kind, size, mtimeMs: entry.mtimeMs, content, key: entry.key });
      if (entry.kind === 'folder' && !skipFolder(path)) await walk(entry, path);
    }
  };
  await walk(await tree.root(), '');
  return rows.sort(byPath);
}

/** The same rows for a mounted tree (kernel, FUSE), through lstat; folders have size 0. */
export async function walkMountedTree(
  root: string,
  { skipContent = () => false }: { skipContent?: (path: string) => boolean } = {},
): Promise<TreeRow[]> {
  const rows: TreeRow[] = [];
  const walk = async (dir: string) => {
    for (const name of await readdir(join(root, dir))) {
      const path = `${dir}/${name}`;
      const full = join(root, path);
      const st = await lstat(full, { bigint: true });
      const kind: EntryKind = st.isDirectory()
        ? 'folder'
        : st.isFile()
          ? 'file'
          : st.isSymbolicLink()
            ? 'symlink'
            : 'other';
      let content: string | null = null;
      if (kind === 'file' && !skipContent(path)) content = await sha256OfFile(full);
      if (kind === 'symlink') content = await readlink(full);
      rows.push({
        path,
        kind,
        size: kind === 'folder' ? 0 : Number(st.size),
        mtimeMs: Number(st.mtimeNs / 1_000_000n) + Number(st.mtimeNs % 1_000_000n) / 1e6,
        content,
        key: `${st.dev}:${st.ino}`,
      });
      if (kind === 'folder') await walk(path);
    }
  };
  await walk('');
  return rows.sort(byPath);
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Rows made comparable across readers: mtimes rounded to `mtimeResolutionMs` (the coarser of
 * the two sides' resolutions), keys replaced by the group of paths that share them (hard
 * links), so two trees compare with toEqual.
 */
export function comparableRows(
  rows: TreeRow[],
  mtimeResolutionMs = 0.001,
): (Omit<TreeRow, 'key'> & { sameAs: string[] })[] {
  const paths = new Map<string, string[]>();
  for (const row of rows) paths.set(row.key, [...(paths.get(row.key) ?? []), row.path]);
  return rows.map(({ key, mtimeMs, ...row }) => ({
    ...row,
    mtimeMs: mtimeMs === null ? null : Math.round(mtimeMs / mtimeResolutionMs),
    sameAs: row.kind === 'folder' ? [] : paths.get(key)!.filter((p) => p !== row.path),
  }));
}
