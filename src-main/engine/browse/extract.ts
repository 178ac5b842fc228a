// The extract job: files and folders copied out of an image's partitions into a folder on
// this machine, keeping names, times, permission bits (where the filesystem has them),
// symlinks and hard links, decoding only the frames that hold them.
//
// Before anything is written: every chosen path is found, nothing already at the
// destination is in the way (unless replacing was asked for), and the destination has room
// for every byte. Then each entry is written whole under a temporary name and renamed
// (write-entry.ts). An entry the image cannot give (a damaged folder or file, a damaged frame
// under it) is reported, with its path and why, and the rest goes on; the result lists them.

import { lstat, mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  MAX_LISTED_FAILURES,
  type ExtractFailure,
  type ExtractResult,
} from '../../../src-shared/protocol/events.js';
import { formatBytes } from '../../../src-shared/units.js';
import { freeBytesAt } from '../endpoints/file/sink.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import type { AgeKeys } from '../endpoints/age/age-keys.js';
import { SpillwayError } from '../errors.js';
import { BrowseError, type Entry, type FilesystemTree } from '../filesystems/browse.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import { ImageBrowser, problemOf, type BrowsablePartition } from './image-browser.js';
import { isEntryProblem } from './image-partitions.js';
import { baseName } from './image-path.js';
import {
  finishFolder,
  InTheWay,
  makeFolder,
  writeFile,
  writeHardLink,
  writeSymlink,
} from './write-entry.js';

export interface ExtractItem {
  /** As the layout numbers it; null: the one partition that holds files. */
  partition: number | null;
  /** '/' for the whole partition: its contents go straight into the destination. */
  path: string;
}

export interface ExtractOptions {
  image: string;
  items: ExtractItem[];
  /** A folder: made when missing (its parent must exist). */
  destination: string;
  /** Replace files already there, and merge into folders already there. */
  replace?: boolean;
  threads?: number;
  ssh?: SshOptions;
  /** What opens an encrypted image. */
  age?: AgeKeys;
  /** Told of every frame of the image decoded, by its number (tests: random access). */
  onFrameDecoded?(index: number): void;
}

/** Files remembered to make their other names hard links (beyond it, they are copied). */
const MAX_REMEMBERED_LINKS = 200_000;

/** Errors of a name the destination's filesystem will not take: that entry fails alone. */
const NAME_ERRORS = new Set(['ENAMETOOLONG', 'EILSEQ', 'EINVAL']);

/** One chosen path, found. */
interface Selection {
  where: BrowsablePartition;
  entry: Entry;
  /** "2:/docs", for messages. */
  shown: string;
  /** Where it goes: the destination itself for a whole partition. */
  target: string;
  whole: boolean;
}

interface Tally {
  files: number;
  folders: number;
  symlinks: number;
  bytes: number;
}

export function extract(options: ExtractOptions, context: JobContext): Promise<ExtractResult> {
  return runJob('extract', context, async (progress) => {
    if (options.items.length === 0) throw new SpillwayError('usage', 'Nothing was chosen to copy.');
    const destination = resolve(options.destination);
    progress.phase('preparing', `Opening ${options.image}`);
    const browser = await ImageBrowser.open(options.image, {
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.ssh ? { ssh: options.ssh } : {}),
      ...(options.age ? { age: options.age } : {}),
      ...(options.onFrameDecoded ? { onFrameDecoded: options.onFrameDecoded } : {}),
    });
    try {
      const selections = await select(browser, options.items, destination);
      await checkDestination(destination);
      await checkNothingInTheWay(selections, options.replace ?? false);
      progress.phase('preparing', 'Finding everything to copy');
      const total = await count(selections, context.signal);
      await checkRoom(destination, total.bytes);
      await mkdir(destination).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });

      const counters = progress.counters;
      counters.streamTotal = total.bytes;
      progress.addSampler(() => (counters.bytesRead = browser.reader.stats.imageBytesRead));
      progress.phase(
        'writing',
        `Copying ${total.files} file${total.files === 1 ? '' : 's'} (${formatBytes(total.bytes)}) into ${destination}`,
      );
      progress.start();
      const copier = new Copier(progress, context.signal, options.replace ?? false);
      for (const selection of selections) await copier.selection(selection);
      return {
        kind: 'extract',
        image: options.image,
        destination,
        ...copier.done,
        failed: copier.failed,
        failedCount: copier.failedCount,
        framesDecoded: browser.reader.stats.framesDecoded,
        seconds: progress.elapsedSeconds,
      };
    } finally {
      progress.stop();
      await browser.close();
    }
  });
}

/** Finds every chosen path; two that would land on the same name are refused. */
async function select(
  browser: ImageBrowser,
  items: ExtractItem[],
  destination: string,
): Promise<Selection[]> {
  const selections: Selection[] = [];
  for (const item of items) {
    const where = await browser.partition(item.partition);
    const entry = await browser.entry(where, item.path, item.partition);
    const whole = item.path === '/';
    selections.push({
      where,
      entry,
      shown: `${where.partition.index}:${item.path}`,
      target: whole ? destination : join(destination, baseName(item.path)),
      whole,
    });
  }
  const names = new Map<string, string>();
  for (const s of selections) {
    const landing = s.whole ? await topNames(s) : [s.target];
    for (const target of landing) {
      const other = names.get(target);
      if (other !== undefined) {
        throw new SpillwayError(
          'usage',
          `${other} and ${s.shown} would both be copied to ${target}: choose one of them.`,
        );
      }
      names.set(target, s.shown);
    }
  }
  return selections;
}

/** Where the entries of a whole partition's root land. */
async function topNames(s: Selection): Promise<string[]> {
  try {
    return (await s.where.tree.list(s.entry)).map((child) => join(s.target, child.name));
  } catch (error) {
    // An unreadable root is reported when copying; nothing of it can be in the way.
    if (isEntryProblem(error)) return [];
    throw error;
  }
}

async function checkDestination(destination: string): Promise<void> {
  const there = await lstat(destination).catch(() => null);
  if (there && !there.isDirectory()) {
    throw new SpillwayError('usage', `${destination} is not a folder.`);
  }
  if (!there && !(await lstat(dirname(destination)).catch(() => null))?.isDirectory()) {
    throw new SpillwayError('not-found', `The folder ${dirname(destination)} does not exist.`);
  }
}

/** Refuses, before writing anything, when a chosen entry's name is taken at the destination. */
async function checkNothingInTheWay(selections: Selection[], replace: boolean): Promise<void> {
  if (replace) return;
  for (const s of selections) {
    for (const target of s.whole ? await topNames(s) : [s.target]) {
      if (await lstat(target).catch(() => null)) {
        throw new SpillwayError(
          'destination-exists',
          `${target} already exists: nothing was copied.`,
          { facts: { path: target }, remedy: 'overwrite-and-merge' },
        );
      }
    }
  }
}

async function checkRoom(destination: string, bytes: number): Promise<void> {
  const there = (await lstat(destination).catch(() => null)) ? destination : dirname(destination);
  const free = await freeBytesAt(there);
  if (free !== null && bytes > free) {
    throw new SpillwayError(
      'destination-full',
      `The files take up to ${formatBytes(bytes)}, and ${there} has ${formatBytes(free)} free: nothing was copied.`,
      { facts: { folder: there, need: bytes, free }, remedy: 'choose-roomier-folder' },
    );
  }
}

/** The entries and bytes under the selections (unreadable folders count as empty). */
async function count(selections: Selection[], signal: AbortSignal): Promise<Tally> {
  const tally: Tally = { files: 0, folders: 0, symlinks: 0, bytes: 0 };
  for (const { where, entry } of selections) {
    const seen = new Set<string>();
    const walk = async (e: Entry): Promise<void> => {
      signal.throwIfAborted();
      if (e.kind === 'file') {
        tally.files++;
        tally.bytes += e.size;
      } else if (e.kind === 'symlink') {
        tally.symlinks++;
      } else if (e.kind === 'folder' && !seen.has(e.key)) {
        seen.add(e.key);
        tally.folders++;
        const children = await where.tree.list(e).catch((error: unknown) => {
          if (isEntryProblem(error)) return [];
          throw error;
        });
        for (const child of children) await walk(child);
      }
    };
    await walk(entry);
  }
  return tally;
}

/** Writes the selections, entry by entry, and keeps the tally and the failures. */
class Copier {
  readonly done = { files: 0, folders: 0, symlinks: 0, skipped: 0, bytes: 0 };
  readonly failed: ExtractFailure[] = [];
  failedCount = 0;
  /** A file's key → where its first name was written (hard links), per partition. */
  private links = new Map<string, string>();

  constructor(
    private readonly progress: ProgressTracker,
    private readonly signal: AbortSignal,
    private readonly replace: boolean,
  ) {}

  async selection(s: Selection): Promise<void> {
    this.links = new Map();
    const seen = new Set<string>();
    const { tree } = s.where;
    if (s.whole) {
      await this.children(tree, s.entry, s.shown, s.target, seen);
      return;
    }
    await this.entry(tree, s.entry, s.shown, s.target, seen);
  }

  private async entry(
    tree: FilesystemTree,
    entry: Entry,
    shown: string,
    target: string,
    seen: Set<string>,
  ): Promise<void> {
    this.signal.throwIfAborted();
    await this.attempt(shown, async () => {
      switch (entry.kind) {
        case 'folder':
          return this.folder(tree, entry, shown, target, seen);
        case 'file':
          return this.file(tree, entry, target);
        case 'symlink':
          await writeSymlink(entry, await tree.readLink(entry), target, this.replace);
          this.done.symlinks++;
          return;
        case 'other':
          return this.other(tree, entry, shown);
      }
    });
  }

  private async folder(
    tree: FilesystemTree,
    entry: Entry,
    shown: string,
    target: string,
    seen: Set<string>,
  ): Promise<void> {
    if (seen.has(entry.key)) {
      this.fail(shown, 'this folder is inside itself (the filesystem is damaged)');
      return;
    }
    seen.add(entry.key);
    await makeFolder(target, this.replace);
    this.done.folders++;
    await this.children(tree, entry, shown, target, seen);
    await finishFolder(entry, target);
  }

  private async children(
    tree: FilesystemTree,
    folder: Entry,
    shown: string,
    target: string,
    seen: Set<string>,
  ): Promise<void> {
    // A folder that cannot be listed is a failure of its own; what was made stays.
    const children: Entry[] = [];
    await this.attempt(shown, async () => {
      children.push(...(await tree.list(folder)));
    });
    for (const child of children) {
      const at = shown.endsWith('/') ? `${shown}${child.name}` : `${shown}/${child.name}`;
      await this.entry(tree, child, at, join(target, child.name), seen);
    }
  }

  private async file(tree: FilesystemTree, entry: Entry, target: string): Promise<void> {
    const first = this.links.get(entry.key);
    if (first !== undefined && (await writeHardLink(first, target, this.replace))) {
      this.done.files++;
      this.progress.counters.streamDone += entry.size;
      return;
    }
    await writeFile(tree, entry, target, {
      replace: this.replace,
      signal: this.signal,
      onBytes: (bytes) => {
        this.progress.counters.streamDone += bytes;
        this.progress.counters.bytesWritten += bytes;
      },
    });
    this.done.files++;
    this.done.bytes += entry.size;
    if (first === undefined && this.links.size < MAX_REMEMBERED_LINKS) {
      this.links.set(entry.key, target);
    }
  }

  /**
   * Devices, pipes, sockets: not copied. A damaged entry also lists as 'other' (its kind
   * unknown): opening it says which it is.
   */
  private async other(tree: FilesystemTree, entry: Entry, shown: string): Promise<void> {
    try {
      for await (const chunk of tree.read(entry)) void chunk;
    } catch (error) {
      // "Not a file": a special file, as expected. Anything else: damage, reported.
      if (!(error instanceof BrowseError && error.problem !== 'damaged')) throw error;
    }
    this.done.skipped++;
    this.progress.warn(
      `${shown}: not a file, folder or symlink (a device, pipe or socket): skipped`,
    );
  }

  /** Runs `work`; a problem of this entry alone is recorded and the copy goes on. */
  private async attempt(shown: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (this.signal.aborted) throw error;
      if (isEntryProblem(error)) {
        this.fail(shown, problemOf(error));
      } else if (error instanceof InTheWay) {
        this.fail(shown, `${basename(error.path)} is in the way at the destination`);
      } else if (NAME_ERRORS.has((error as NodeJS.ErrnoException).code ?? '')) {
        this.fail(shown, 'its name cannot be used on the destination disk');
      } else {
        throw error;
      }
    }
  }

  private fail(shown: string, reason: string): void {
    this.failedCount++;
    if (this.failed.length < MAX_LISTED_FAILURES) {
      this.failed.push({ path: shown, reason });
      this.progress.warn(`${shown}: ${reason}; not copied`);
    }
  }
}
