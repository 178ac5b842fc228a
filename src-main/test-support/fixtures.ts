// Fixture disks (fixture-disk.ts: real partition table, real mkfs, real files, stale data in
// free space), built once per machine and reused: they are cached under /var/tmp keyed by the
// builder's source and the options, and never written by tests (sources are attached
// read-only; targets are fresh files). And random files, for drives of other bytes.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFixtureDisk, diskRecipe, type DiskOptions } from './fixture-disk.js';
import { REPO_ROOT } from './paths.js';
import { writeSeededFile } from './seeded-bytes.js';

export type { DiskOptions } from './fixture-disk.js';

const CACHE = '/var/tmp/spillway-fixtures';
/** What a disk's bytes depend on besides its options: a change to these builds it anew. */
const BUILDER_SOURCES = ['fixture-disk.ts', 'seeded-bytes.ts'].map((name) =>
  join(REPO_ROOT, 'src-main', 'test-support', name),
);

/** Path of a fixture disk image, built on first use. Needs root (loop devices, mount). */
export async function fixtureDisk(options: DiskOptions): Promise<string> {
  const recipe = diskRecipe(options);
  const hash = createHash('sha256');
  for (const source of BUILDER_SOURCES) hash.update(await readFile(source));
  const key = hash.update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
  const path = join(CACHE, `disk-${recipe.sizeMiB}M-${recipe.table}-${key}.img`);
  if (existsSync(path)) return path;
  await mkdir(CACHE, { recursive: true });
  await removeAbandonedBuilds();
  // Several test runs (other worktrees) may build the same disk at once: each builds its own
  // copy and the last rename wins; the copies hold the same layout and files.
  const partial = `${path}.${process.pid}.building`;
  try {
    await buildFixtureDisk(partial, recipe);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return path;
}

/** Half-built disks of test runs that were killed (their process is gone): 4 GiB each. */
async function removeAbandonedBuilds(): Promise<void> {
  for (const name of await readdir(CACHE)) {
    const pid = /^disk-.*\.img\.(\d+)\.building$/.exec(name)?.[1];
    if (pid && !isRunning(Number(pid))) await rm(join(CACHE, name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A file of `bytes` pseudo-random bytes from `seed`. */
export function randomFile(path: string, bytes: number, seed = 'target'): Promise<void> {
  return writeSeededFile(path, bytes, seed, 'random file');
}
