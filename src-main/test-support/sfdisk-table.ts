// Partition tables made by sfdisk on a plain file (no root, no loop device), read back by the
// engine's own parser, for tests of what is planned and written from a table.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PartitionTable } from '../../src-shared/manifest.js';
import { readPartitionTable } from '../engine/partition-table/read-table.js';
import { openFileReadAt } from './file-read-at.js';
import { q, run, sh } from './shell.js';

/** Writes `script` with sfdisk onto a new file of `sizeMiB` MiB; returns the file's path. */
export async function sfdiskFile(dir: string, name: string, sizeMiB: number, script: string) {
  const path = join(dir, name);
  await writeFile(path, '');
  await sh(`truncate -s ${sizeMiB}M ${q(path)}`);
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', path], { input: script });
  return path;
}

/**
 * The table of `path` as a manifest records it; each partition's filesystem is what
 * `filesystems` says for its index (null otherwise): the tests need no real filesystem.
 */
export async function manifestTable(
  path: string,
  filesystems: Record<number, string>,
): Promise<PartitionTable> {
  const file = await openFileReadAt(path);
  try {
    const found = await readPartitionTable(file.read, file.size, 512);
    if (!found || 'distrust' in found) throw new Error(`no table on ${path}`);
    return {
      ...found.header,
      partitions: found.partitions.map((p) => ({
        index: p.index,
        start: p.start,
        size: p.size,
        type: p.type,
        ...(p.uuid ? { uuid: p.uuid } : {}),
        filesystem: filesystems[p.index] ?? null,
        mode: 'used' as const,
      })),
    };
  } finally {
    await file.close();
  }
}

/** `sfdisk --json` of a file, parsed. */
export async function sfdiskJson(path: string): Promise<{
  partitiontable: {
    label: string;
    id: string;
    lastlba?: number;
    partitions: Array<{ node: string; start: number; size: number; type: string; uuid?: string }>;
  };
}> {
  return JSON.parse(await sh(`sfdisk --json ${q(path)}`));
}
