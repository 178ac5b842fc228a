// An image file written under "<name>.incomplete" and renamed into place only once complete
// and synced, so a crash, a full disk or Ctrl-C never leaves a file that looks finished.

import { constants } from 'node:fs';
import { link, open, rename, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SpillwayError } from '../../errors.js';
import { BackgroundFlush } from '../../io/background-flush.js';
import { writeFullyHere } from '../../io/file-io.js';
import { DirectAppender } from '../../io/uncached-writes.js';
import type { ImageSink } from '../image-sink.js';

export const INCOMPLETE_SUFFIX = '.incomplete';

export async function freeBytesAt(path: string): Promise<number | null> {
  try {
    const fs = await statfs(path);
    return fs.bavail * fs.bsize;
  } catch {
    return null;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY).catch(() => null);
  // Makes the rename durable at once; some filesystems cannot sync a folder (EINVAL), and
  // the rename is then durable when the filesystem next syncs.
  await handle?.sync().catch(() => {});
  await handle?.close();
}

export async function openFileSink(
  path: string,
  options: { force?: boolean; resumeAt?: number } = {},
) {
  const partial = path + INCOMPLETE_SUFFIX;
  let handle: FileHandle;
  try {
    if (options.resumeAt !== undefined) {
      // Continue an interrupted backup: drop what follows its last complete frame.
      handle = await open(partial, 'r+');
      await handle.truncate(options.resumeAt);
    } else {
      // 'wx': never reuse someone else's file; a stale .incomplete is ours to replace (none
      // there: nothing to remove; one that cannot be removed makes the open below fail).
      await unlink(partial).catch(() => {});
      handle = await open(partial, 'wx');
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SpillwayError('not-found', `The folder ${dirname(path)} does not exist.`);
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new SpillwayError('permission-denied', `Cannot write to ${dirname(path)}.`);
    }
    throw error;
  }
  const sink = new FileSink(path, partial, handle, options.force ?? false, options.resumeAt);
  sink.bytesWritten = options.resumeAt ?? 0;
  return sink;
}

class FileSink implements ImageSink {
  bytesWritten = 0;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private readonly writeBack: BackgroundFlush;
  /**
   * Appends around the page cache (io/uncached-writes.ts): on this project's VM a fresh page
   * of cache is what writing a new file costs. Null once the writes go through the cache: a
   * resumed image, which continues at any byte, and after a hole (`skip`), after which they
   * do too.
   */
  private appender: DirectAppender | null;

  constructor(
    readonly name: string,
    private readonly partial: string,
    private readonly handle: FileHandle,
    private readonly force: boolean,
    resumeAt: number | undefined,
  ) {
    this.writeBack = new BackgroundFlush(handle);
    this.appender =
      resumeAt === undefined
        ? new DirectAppender(partial, 0, (data, at) => this.cached(data, at))
        : null;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.appender) this.appender.append(bytes);
    else this.cached(bytes, this.bytesWritten);
    this.bytesWritten += bytes.byteLength;
  }

  async skip(length: number): Promise<void> {
    this.drain();
    // Writes are positioned: the next one lands past the gap, which stays a hole.
    this.bytesWritten += length;
  }

  /** Into the page cache, on this thread: cheaper than a trip through the thread pool. */
  private cached(bytes: Uint8Array, position: number): void {
    writeFullyHere(this.handle, bytes, position);
    this.writeBack.written(bytes.byteLength);
  }

  /** Writes what the appender holds; the writes after it go through the cache. */
  private drain(): void {
    this.appender?.drain();
    this.appender?.close();
    this.appender = null;
  }

  async commit(): Promise<void> {
    this.drain();
    // A hole at the very end has no write after it: set the length explicitly.
    await this.writeBack.settle();
    await this.handle.truncate(this.bytesWritten);
    await this.handle.sync();
    await this.handle.close();
    if (this.force) {
      await rename(this.partial, this.name);
    } else {
      // link() refuses to replace an existing file, where rename() would silently do it.
      try {
        await link(this.partial, this.name);
        await unlink(this.partial);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          await this.abort();
          throw new SpillwayError('destination-exists', `${this.name} appeared while writing.`);
        }
        // Filesystems without hard links (FAT, exFAT): the name was checked free at the start.
        await rename(this.partial, this.name);
      }
    }
    await fsyncDirectory(dirname(this.name));
    this.state = 'committed';
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.appender?.close();
    this.appender = null;
    await this.writeBack.settle();
    // Aborting follows a failure already being reported: a NAME.incomplete that stays is
    // refused by restore, and the next backup of that name replaces it.
    await this.handle.close().catch(() => {});
    await unlink(this.partial).catch(() => {});
  }

  async keepPartial(): Promise<string | null> {
    if (this.state !== 'open') return null;
    this.state = 'aborted';
    // What was gathered goes out too, if it can (a full disk may refuse it): --resume
    // checks every frame it keeps.
    try {
      this.drain();
    } catch {
      this.appender?.close();
      this.appender = null;
    }
    await this.writeBack.settle();
    // Kept after a failure already being reported: --resume checks every frame it keeps,
    // so a partial file that did not reach the disk whole is cut back, not trusted.
    await this.handle.sync().catch(() => {});
    await this.handle.close().catch(() => {});
    return this.partial;
  }

  freeSpace(): Promise<number | null> {
    return freeBytesAt(dirname(this.name));
  }
}
