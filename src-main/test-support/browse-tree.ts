// A filesystem's whole tree as a sorted list of lines (path, kind, size, mtime, SHA-256 of the
// content), from a browse reader or from a real folder (a mount, an extraction by mtools), so a
// test can compare the two with one toEqual. The walk through a browse reader also checks the
// interface's promises: names that are path parts, chunks of at most 1 MiB, as many bytes as
// the size says.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BrowseError,
  type Entry,
  type EntryKind,
  type FilesystemTree,
} from '../engine/filesystems/browse.js';

export interface TreeLine {
  /** '/a/b.txt' */
  path: string;
  kind: EntryKind;
  size: number;
  mtimeMs: number | null;
  /** Of a file's bytes, of a symlink's target; null for a folder. */
  sha256: string | null;
}

export interface WalkOptions {
  /** Called with each BrowseError (the walk then goes on); without it, the first one throws. */
  onError?: (error: BrowseError) => void;
  /** Stop with an error after this many entries (a damaged tree can be very wide). */
  maxEntries?: number;
  /** Leave files' bytes unread (sha256 null). */
  skipContent?: boolean;
}

const MAX_CHUNK = 2 ** 20;

const byPath = (a: TreeLine, b: TreeLine) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Every entry under the root of `tree`, sorted by path. A folder is listed once however many
 * entries lead to it (by its key): a damaged volume can have a folder inside itself.
 */
export async function browseTreeLines(
  tree: FilesystemTree,
  options: WalkOptions = {},
): Promise<TreeLine[]> {
  const lines: TreeLine[] = [];
  const listed = new Set<string>();
  const failed = (error: unknown) => {
    if (!(error instanceof BrowseError) || !options.onError) throw error;
    options.onError(error);
  };
  const walk = async (folder: Entry, path: string): Promise<void> => {
    listed.add(folder.key);
    let children: Entry[];
    try {
      children = await tree.list(folder);
    } catch (error) {
      return failed(error);
    }
    for (const child of children) {
      if (options.maxEntries !== undefined && lines.length >= options.maxEntries) {
        throw new Error(`more than ${options.maxEntries} entries`);
      }
      // A name must be usable as one part of a path: an extraction writes it under a folder.
      if (['', '.', '..'].includes(child.name) || /[/\0]/.test(child.name)) {
        throw new Error(`${path || '/'}: an entry named ${JSON.stringify(child.name)}`);
      }
      const childPath = `${path}/${child.name}`;
      const line: TreeLine = { ...lineOf(child), path: childPath };
      try {
        if (child.kind === 'file' && !options.skipContent) line.sha256 = await digest(tree, child);
        if (child.kind === 'symlink') line.sha256 = sha256(Buffer.from(await tree.readLink(child)));
      } catch (error) {
        failed(error);
      }
      lines.push(line);
      if (child.kind === 'folder' && !listed.has(child.key)) await walk(child, childPath);
    }
  };
  await walk(await tree.root(), '');
  return lines.sort(byPath);
}

const lineOf = (entry: Entry): TreeLine => ({
  path: entry.name,
  kind: entry.kind,
  size: entry.size,
  mtimeMs: entry.mtimeMs,
  sha256: null,
});

/** The SHA-256 of a file's bytes as the reader streams them, checking the chunks. */
async function digest(tree: FilesystemTree, file: Entry): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of tree.read(file)) {
    if (chunk.length > MAX_CHUNK) throw new Error(`${file.name}: a chunk of ${chunk.length} bytes`);
    hash.update(chunk);
    bytes += chunk.length;
  }
  if (bytes !== file.size) throw new Error(`${file.name}: ${bytes} bytes read, size ${file.size}`);
  return hash.digest('hex');
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every entry under the real folder `root` (not following symlinks), sorted by path. */
export async function directoryTreeLines(root: string): Promise<TreeLine[]> {
  const lines: TreeLine[] = [];
  const walk = async (under: string): Promise<void> => {
    for (const name of await readdir(join(root, under))) {
      const path = `${under}/${name}`;
      const stat = await lstat(join(root, path));
      if (stat.isDirectory()) {
        lines.push({ path, kind: 'folder', size: 0, mtimeMs: stat.mtimeMs, sha256: null });
        await walk(path);
      } else if (stat.isSymbolicLink()) {
        const target = Buffer.from(await readlink(join(root, path), { encoding: 'buffer' }));
        const line = { path, kind: 'symlink' as const, size: target.length };
        lines.push({ ...line, mtimeMs: stat.mtimeMs, sha256: sha256(target) });
      } else {
        const kind = stat.isFile() ? 'file' : 'other';
        const hash = kind === 'file' ? await fileDigest(join(root, path)) : null;
        lines.push({ path, kind, size: stat.size, mtimeMs: stat.mtimeMs, sha256: hash });
      }
    }
  };
  await walk('');
  return lines.sort(byPath);
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
