// Writing what a filesystem tree holds into a folder on this machine: files, symlinks and
// hard links appear under their final names only once complete (written as a hidden
// temporary name beside them, then renamed), so a failure or Ctrl-C never leaves a
// half-written file that looks finished. Runs of zeros are left as holes (sparse files stay
// sparse). Times and permission bits are the filesystem's; set-user-ID and set-group-ID bits
// are dropped, since the files now belong to whoever extracts them.

import { randomBytes } from 'node:crypto';
import {
  chmod,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  rename,
  symlink,
  unlink,
  utimes,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Entry, FilesystemTree } from '../filesystems/browse.js';
import { BrowseError } from '../filesystems/browse.js';
import { writeFully } from '../io/file-io.js';
import { nonZeroRuns } from '../io/zero-blocks.js';

/** Permission bits kept: rwx for all, and the sticky bit. */
const KEPT_MODE = 0o1777;
/** For filesystems without permissions (FAT, exFAT, NTFS): what `cp` would give. */
const FILE_MODE = 0o644;
const FOLDER_MODE = 0o755;

/** An existing path in the way of an entry: replaced only when asked to. */
export class InTheWay extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists`);
    this.name = 'InTheWay';
  }
}

/** A hidden name beside `final` for the entry being written. */
function temporaryName(final: string): string {
  return join(dirname(final), `.spillway-${randomBytes(6).toString('hex')}.part`);
}

/**
 * Removes a temporary name after a failure that is being thrown. That failure is what the
 * user is told; a removal that fails too (the folder's disk went away or turned read-only)
 * would leave a hidden .spillway-*.part file, which nothing reads and which is named so
 * that it is never taken for the file the user asked for.
 */
async function removeTemporary(temp: string): Promise<void> {
  await unlink(temp).catch(() => {});
}

/** Whether `path` exists, without following a symlink. */
async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null)) !== null;
}

/** Moves the complete temporary file to its name; `replace`: over whatever file is there. */
async function putInPlace(temp: string, final: string, replace: boolean): Promise<void> {
  const there = await lstat(final).catch(() => null);
  if (there && (!replace || there.isDirectory())) throw new InTheWay(final);
  await rename(temp, final);
}

function seconds(ms: number): number {
  return ms / 1000;
}

/**
 * Copies a file's bytes to `final`. `onBytes` is told of every chunk as it is written;
 * `signal` stops it between chunks (the temporary file is removed).
 */
export async function writeFile(
  tree: FilesystemTree,
  entry: Entry,
  final: string,
  options: { replace: boolean; signal: AbortSignal; onBytes(bytes: number): void },
): Promise<void> {
  if (!options.replace && (await exists(final))) throw new InTheWay(final);
  const temp = temporaryName(final);
  const handle = await open(temp, 'wx', 0o600);
  try {
    let position = 0;
    try {
      for await (const chunk of tree.read(entry)) {
        options.signal.throwIfAborted();
        for (const [start, end] of nonZeroRuns(chunk, position)) {
          await writeFully(handle, chunk.subarray(start, end), position + start);
        }
        position += chunk.byteLength;
        options.onBytes(chunk.byteLength);
      }
      if (position !== entry.size) {
        throw new BrowseError(
          'damaged',
          entry.name,
          `it holds ${position} of its ${entry.size} bytes`,
        );
      }
      // Holes at the end take their place only through the file's length.
      await handle.truncate(position);
      await handle.chmod(entry.mode !== null ? entry.mode & KEPT_MODE : FILE_MODE);
    } finally {
      await handle.close();
    }
    if (entry.mtimeMs !== null) await utimes(temp, seconds(Date.now()), seconds(entry.mtimeMs));
    await putInPlace(temp, final, options.replace);
  } catch (error) {
    await removeTemporary(temp);
    throw error;
  }
}

/** Makes `final` a symlink to `target`, with the link's own time. */
export async function writeSymlink(
  entry: Entry,
  target: string,
  final: string,
  replace: boolean,
): Promise<void> {
  if (!replace && (await exists(final))) throw new InTheWay(final);
  const temp = temporaryName(final);
  await symlink(target, temp);
  try {
    if (entry.mtimeMs !== null) await lutimes(temp, seconds(Date.now()), seconds(entry.mtimeMs));
    await putInPlace(temp, final, replace);
  } catch (error) {
    await removeTemporary(temp);
    throw error;
  }
}

/**
 * Makes `final` another name of the file already written at `first` (a hard link in the
 * image). Returns false when the destination's filesystem has no hard links: the caller
 * copies the file instead.
 */
export async function writeHardLink(
  first: string,
  final: string,
  replace: boolean,
): Promise<boolean> {
  if (!replace && (await exists(final))) throw new InTheWay(final);
  const temp = temporaryName(final);
  try {
    await link(first, temp);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'EXDEV' || code === 'ENOTSUP' || code === 'EMLINK') {
      return false;
    }
    throw error;
  }
  try {
    await putInPlace(temp, final, replace);
    return true;
  } catch (error) {
    await removeTemporary(temp);
    throw error;
  }
}

/**
 * Makes the folder `final`; one already there is used as it is (merged into) when
 * `merge`, else it is in the way. A file or symlink there is always in the way.
 */
export async function makeFolder(final: string, merge: boolean): Promise<void> {
  try {
    await mkdir(final, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const there = await lstat(final);
    if (!merge || !there.isDirectory()) throw new InTheWay(final);
  }
}

/** A folder's own permissions and time, set once everything inside it has been written. */
export async function finishFolder(entry: Entry, final: string): Promise<void> {
  await chmod(final, entry.mode !== null ? entry.mode & KEPT_MODE : FOLDER_MODE);
  if (entry.mtimeMs !== null) await utimes(final, seconds(Date.now()), seconds(entry.mtimeMs));
}
