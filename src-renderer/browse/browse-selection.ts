// What the user ticked in an image, as pure functions: entries are keyed by partition and
// path; a ticked folder covers everything under it (its children show ticked and are not
// copied twice); the extract items and the bytes known before copying follow from the ticks.

import type { ExtractParams } from '../../src-shared/api.js';

export type EntryKind = 'file' | 'folder' | 'symlink' | 'other';

export interface Ticked {
  partition: number;
  /** '/'-separated from the partition's root. */
  path: string;
  kind: EntryKind;
  /** A file's bytes; a folder's content is not known until it is walked. */
  size: number;
}

/** Ticked entries by entryKey. */
export type Selection = Readonly<Record<string, Ticked>>;

export function entryKey(partition: number, path: string): string {
  return `${partition}:${path}`;
}

/** The path of `name` inside the folder `folder`. */
export function childPath(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`;
}

/** Whether a folder above `path` is ticked (then `path` is copied with it). */
export function coveredByFolder(selection: Selection, partition: number, path: string): boolean {
  for (let at = parentOf(path); at !== null; at = parentOf(at)) {
    if (selection[entryKey(partition, at)]) return true;
  }
  return false;
}

function parentOf(path: string): string | null {
  if (path === '/') return null;
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

export function toggle(selection: Selection, entry: Ticked): Selection {
  const key = entryKey(entry.partition, entry.path);
  const next = { ...selection };
  if (next[key]) delete next[key];
  else next[key] = entry;
  return next;
}

/** The ticked entries to copy: those under a ticked folder come with it. */
export function chosen(selection: Selection): Ticked[] {
  return Object.values(selection)
    .filter((t) => !coveredByFolder(selection, t.partition, t.path))
    .sort((a, b) => a.partition - b.partition || a.path.localeCompare(b.path));
}

export interface SelectionSummary {
  files: number;
  folders: number;
  /** Bytes of the ticked files (folders' contents are counted by the copy itself). */
  fileBytes: number;
}

export function summarize(selection: Selection): SelectionSummary {
  const items = chosen(selection);
  return {
    files: items.filter((t) => t.kind !== 'folder').length,
    folders: items.filter((t) => t.kind === 'folder').length,
    fileBytes: items.reduce((sum, t) => sum + (t.kind === 'file' ? t.size : 0), 0),
  };
}

export function extractItems(selection: Selection): ExtractParams['items'] {
  return chosen(selection).map((t) => ({ partition: t.partition, path: t.path }));
}

/** What the search box asks: a pattern as typed, or any name containing plain words. */
export function searchPattern(typed: string): string | null {
  const text = typed.trim();
  if (text === '') return null;
  return /[*?[]/.test(text) ? text : `*${text.replace(/\\/g, '\\\\')}*`;
}

/** "2 files and 1 folder" */
export function selectionWords({ files, folders }: SelectionSummary): string {
  const parts = [];
  if (files > 0) parts.push(`${files} file${files === 1 ? '' : 's'}`);
  if (folders > 0) parts.push(`${folders} folder${folders === 1 ? '' : 's'}`);
  return parts.join(' and ') || 'nothing';
}
