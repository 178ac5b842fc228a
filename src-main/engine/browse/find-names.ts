// `find`: every entry of a partition whose name (or, for a pattern with '/', whose path)
// matches a shell pattern, case-insensitively where the filesystem is. A folder that cannot
// be read is reported and the search goes on around it.

import type { Entry, FilesystemTree } from '../filesystems/browse.js';
import { isEntryProblem } from './image-partitions.js';
import { problemOf, type BrowsablePartition } from './image-browser.js';
import { compileGlob } from './glob.js';
import { childPath } from './image-path.js';

export type Found =
  | { type: 'match'; path: string; entry: Entry }
  | { type: 'problem'; path: string; problem: string };

/** Walks the partition from `from` (a folder path) and yields matches and problems. */
export async function* findNames(
  where: BrowsablePartition,
  pattern: string,
  options: { from?: { path: string; entry: Entry }; signal?: AbortSignal } = {},
): AsyncGenerator<Found> {
  const { tree } = where;
  const glob = compileGlob(pattern, tree.caseInsensitive);
  const start = options.from ?? { path: '/', entry: await tree.root() };
  const seen = new Set<string>();
  // Depth first, in the filesystem's order; folders waiting are paths and entries only.
  const stack: Array<{ path: string; entry: Entry }> = [start];
  while (stack.length > 0) {
    options.signal?.throwIfAborted();
    const folder = stack.pop()!;
    if (seen.has(folder.entry.key)) {
      yield { type: 'problem', path: folder.path, problem: 'this folder is inside itself' };
      continue;
    }
    seen.add(folder.entry.key);
    let children: Entry[];
    try {
      children = await list(tree, folder.entry);
    } catch (error) {
      if (!isEntryProblem(error)) throw error;
      yield { type: 'problem', path: folder.path, problem: problemOf(error) };
      continue;
    }
    const folders: Array<{ path: string; entry: Entry }> = [];
    for (const entry of children) {
      const path = childPath(folder.path, entry.name);
      if (glob.test(glob.matchesPaths ? path : entry.name)) yield { type: 'match', path, entry };
      if (entry.kind === 'folder') folders.push({ path, entry });
    }
    stack.push(...folders.reverse());
  }
}

function list(tree: FilesystemTree, folder: Entry): Promise<Entry[]> {
  return tree.list(folder);
}
