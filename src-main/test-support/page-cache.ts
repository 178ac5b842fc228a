// What the page cache holds of a file, and whether a file is open around it (O_DIRECT): for
// the tests of reads and writes that bypass the cache.

import { execFileSync } from 'node:child_process';
import { constants, statfsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';

/** A temp folder in memory (tmpfs) keeps every file in the page cache, read or not. */
const TMPFS_MAGIC = 0x01021994;
export const inMemoryReason =
  statfsSync(tmpdir()).type === TMPFS_MAGIC
    ? 'the temp folder is in memory (tmpfs): its files are always in the page cache'
    : null;

/** Bytes of `path` in the page cache, as fincore (util-linux) counts them. */
export function cachedBytes(path: string): number {
  const out = execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path]);
  return Number(out.toString().trim());
}

/** Writes `path` out and drops its clean pages (posix_fadvise DONTNEED, through dd). */
export function evict(path: string): void {
  execFileSync('bash', [
    '-c',
    `sync "$1" && dd if="$1" iflag=nocache count=0 status=none`,
    '-',
    path,
  ]);
}

/** Whether this process has `path` open with O_DIRECT (its flags in /proc/self/fdinfo). */
export async function openedDirect(path: string): Promise<boolean> {
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target !== path) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const flags = /^flags:\s*([0-7]+)/m.exec(info)?.[1];
    if (flags && (parseInt(flags, 8) & constants.O_DIRECT) !== 0) return true;
  }
  return false;
}

/** Asks every 2 ms whether `path` is open with O_DIRECT; `seen` says whether it ever was. */
export function watchForDirect(path: string): { seen(): boolean; stop(): void } {
  let seen = false;
  const timer = setInterval(() => {
    void openedDirect(path).then((yes) => (seen ||= yes));
  }, 2);
  return { seen: () => seen, stop: () => clearInterval(timer) };
}
