// A file tree as plain records, read two ways so a browse reader can be held to the real
// driver: treeFromKernel walks a mounted folder (the kernel, FUSE, or a copy made by mtools),
// treeFromBrowser walks a FilesystemTree of any filesystem. treeDifferences says, in words,
// where two trees differ (empty when equal), within what each filesystem can store.

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

/** The largest chunk FilesystemTree.read may give. */
const MAX_CHUNK = 1024 * 1024;

export interface TreeRecord {
  /** '/' then the names down to it, joined by '/'. */
  path: string;
  kind: EntryKind;
  /** A file's length or a symlink's target length; 0 for folders and others. */
  size: number;
  mtimeMs: number | null;
  mode: number | null;
  /** SHA-256 of a file's bytes (hex); null for anything else or when it could not be read. */
  sha256: string | null;
  /** A symlink's target. */
  target: string | null;
  /** For a file with several names (hard links): the first of its paths; else null. */
  sameAs: string | null;
}

/** Fills in sameAs from each record's identity (inode, key): folders never share one. */
function linkHardLinks(records: Array<TreeRecord & { id: string }>): TreeRecord[] {
  records.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const first = new Map<string, string>();
  const count = new Map<string, number>();
  for (const r of records) {
    if (r.kind === 'folder') continue;
    if (!first.has(r.id)) first.set(r.id, r.path);
    count.set(r.id, (count.get(r.id) ?? 0) + 1);
  }
  return records.map(({ id, ...r }) => ({
    ...r,
    sameAs: r.kind !== 'folder' && count.get(id)! > 1 ? first.get(id)! : null,
  }));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface TreeOptions {
  /**
   * Files whose bytes are not read (their sha256 stays null): for a test that checks a huge
   * sparse file's bytes its own, cheaper way. Everything else about them is compared.
   */
  skipContent?(path: string): boolean;
}

/** Every entry under `dir` (not `dir` itself), as the driver that mounted it shows them. */
export async function treeFromKernel(
  dir: string,
  options: TreeOptions = {},
): Promise<TreeRecord[]> {
  const records: Array<TreeRecord & { id: string }> = [];
  async function walk(folder: string, path: string): Promise<void> {
    for (const name of await readdir(folder)) {
      const full = join(folder, name);
      const at = `${path}/${name}`;
      const stat = await lstat(full, { bigint: true });
      const kind: EntryKind = stat.isDirectory()
        ? 'folder'
        : stat.isFile()
          ? 'file'
          : stat.isSymbolicLink()
            ? 'symlink'
            : 'other';
      records.push({
        path: at,
        kind,
        size: kind === 'file' || kind === 'symlink' ? Number(stat.size) : 0,
        mtimeMs: Number(stat.mtimeNs) / 1e6,
        mode: Number(stat.mode) & 0o7777,
        sha256: kind === 'file' && !options.skipContent?.(at) ? await sha256File(full) : null,
        target: kind === 'symlink' ? (await readlink(full, 'buffer')).toString('utf8') : null,
        sameAs: null,
        id: String(stat.ino),
      });
      if (kind === 'folder') await walk(full, at);
    }
  }
  await walk(dir, '');
  return linkHardLinks(records);
}

export interface BrowseOptions extends TreeOptions {
  /**
   * Called with a BrowseError met on an entry (listing a folder, reading a file or a link);
   * the walk goes on without that entry's content. Without it, the walk throws.
   */
  onBrowseError?(path: string, error: BrowseError): void;
}

/**
 * Every entry under the tree's root, through the browse reader: every folder listed, every
 * file read whole (each chunk at most 1 MiB, the sum its size), every symlink's target. A
 * folder met twice (a loop in a damaged tree) is an error, not a walk without end.
 */
export async function treeFromBrowser(
  tree: FilesystemTree,
  options: BrowseOptions = {},
): Promise<TreeRecord[]> {
  const records: Array<TreeRecord & { id: string }> = [];
  const folders = new Set<string>();
  const attempt = async <T>(path: string, what: () => Promise<T>): Promise<T | null> => {
    try {
      return await what();
    } catch (error) {
      if (!(error instanceof BrowseError) || !options.onBrowseError) throw error;
      options.onBrowseError(path, error);
      return null;
    }
  };
  async function walk(folder: Entry, path: string): Promise<void> {
    if (folders.has(folder.key)) {
      throw new BrowseError('damaged', path || '/', 'this folder is inside itself');
    }
    folders.add(folder.key);
    const children = await attempt(path || '/', () => tree.list(folder));
    for (const entry of children ?? []) {
      const at = `${path}/${entry.name}`;
      records.push({
        path: at,
        kind: entry.kind,
        size: entry.size,
        mtimeMs: entry.mtimeMs,
        mode: entry.mode,
        sha256:
          entry.kind === 'file' && !options.skipContent?.(at)
            ? await attempt(at, () => sha256Entry(tree, entry))
            : null,
        target: entry.kind === 'symlink' ? await attempt(at, () => tree.readLink(entry)) : null,
        sameAs: null,
        id: entry.key,
      });
      if (entry.kind === 'folder') await walk(entry, at);
    }
  }
  await walk(await tree.root(), '');
  return linkHardLinks(records);
}

async function sha256Entry(tree: FilesystemTree, file: Entry): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of tree.read(file)) {
    if (chunk.byteLength > MAX_CHUNK) {
      throw new Error(`${file.name}: a chunk of ${chunk.byteLength} bytes (over 1 MiB)`);
    }
    bytes += chunk.byteLength;
    hash.update(chunk);
  }
  if (bytes !== file.size) throw new Error(`${file.name}: read ${bytes} bytes of ${file.size}`);
  return hash.digest('hex');
}

export interface CompareOptions {
  /** Compare modification times, within this many ms (default 0.001: a microsecond). */
  mtimeToleranceMs?: number | null;
  /** Compare permission bits (default true: ext has them, FAT does not). */
  modes?: boolean;
  /** Paths to leave out of both trees. */
  ignore?(path: string): boolean;
}

/** Where `actual` differs from `expected`, one line per difference; [] when equal. */
export function treeDifferences(
  expected: TreeRecord[],
  actual: TreeRecord[],
  options: CompareOptions = {},
): string[] {
  const tolerance = options.mtimeToleranceMs === undefined ? 0.001 : options.mtimeToleranceMs;
  const keep = (r: TreeRecord) => !options.ignore?.(r.path);
  const byPath = new Map(actual.filter(keep).map((r) => [r.path, r]));
  const differences: string[] = [];
  for (const want of expected.filter(keep)) {
    const got = byPath.get(want.path);
    byPath.delete(want.path);
    if (!got) {
      differences.push(`${want.path}: missing`);
      continue;
    }
    const fields: Array<keyof TreeRecord> = ['kind', 'size', 'sha256', 'target', 'sameAs'];
    if (options.modes ?? true) fields.push('mode');
    for (const field of fields) {
      if (want[field] !== got[field]) {
        const [a, b] = [show(field, want[field]), show(field, got[field])];
        differences.push(`${want.path}: ${field} ${a} ≠ ${b}`);
      }
    }
    if (tolerance !== null) {
      const a = want.mtimeMs;
      const b = got.mtimeMs;
      if (a === null || b === null ? a !== b : Math.abs(a - b) > tolerance) {
        differences.push(`${want.path}: mtimeMs ${show('mtimeMs', a)} ≠ ${show('mtimeMs', b)}`);
      }
    }
  }
  for (const path of byPath.keys()) differences.push(`${path}: not expected`);
  return differences;
}

function show(field: keyof TreeRecord, value: unknown): string {
  return field === 'mode' && typeof value === 'number'
    ? `0o${value.toString(8)}`
    : JSON.stringify(value);
}
