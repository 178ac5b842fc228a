// What a restore writes to: a drive (opened exclusively: Linux refuses O_EXCL on a block
// device that is mounted or otherwise in use) or a file. A file is written around the page
// cache where the writes allow it (io/uncached-writes.ts). Both are read back around the
// page cache where the reads allow it (io/uncached-reads.ts), a drive otherwise through the
// same handle after its cached pages are dropped: either way the comparison sees what the
// disk holds, and neither copies every byte twice nor fills the cache with the whole drive.

import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import type { TargetDescription } from '../../../src-shared/protocol/plans.js';
import { driveTableFacts } from '../device/drive-table.js';
import { deviceFacts } from '../device/target-facts.js';
import { accessRemedy, SpillwayError } from '../errors.js';
import { BackgroundFlush } from '../io/background-flush.js';
import { readFully, readFullyHere, writeFully, writeFullyHere } from '../io/file-io.js';
import { uncachedReads } from '../io/uncached-reads.js';
import { uncachedWrites } from '../io/uncached-writes.js';

const run = promisify(execFile);

export async function describeTarget(path: string): Promise<TargetDescription> {
  const st = await stat(path).catch(() => null);
  if (!st) {
    return {
      path,
      kind: 'file',
      name: basename(path),
      size: null,
      exists: false,
      partitions: [],
      mounted: [],
      disks: [],
    };
  }
  if (st.isDirectory()) {
    throw new SpillwayError('usage', `${path} is a folder: restore to a drive or a file.`);
  }
  if (!st.isBlockDevice()) {
    return {
      path,
      kind: 'file',
      name: basename(path),
      size: null,
      exists: true,
      partitions: [],
      mounted: [],
      disks: [],
    };
  }
  const device = await deviceFacts(path);
  return {
    path,
    kind: 'device',
    name: device.name,
    size: device.size,
    exists: true,
    ...(device.model ? { model: device.model } : {}),
    partitions: device.partitions,
    table: await driveTableFacts(path, device.size, device.logicalSectorSize),
    mounted: device.mounted,
    disks: device.disks,
    ...(device.backingFile ? { backingFile: device.backingFile } : {}),
    readOnly: device.readOnly,
  };
}

export interface RestoreTarget {
  readonly description: TargetDescription;
  /** A file this restore created: wherever nothing was written yet, it reads zeros. */
  readonly sparse: boolean;
  write(data: Uint8Array, position: number): Promise<void>;
  read(length: number, position: number): Promise<Buffer>;
  /** Fills `buffer` from `position` (read-back: no allocation per read). */
  readInto(buffer: Uint8Array, position: number): Promise<void>;
  /** Flushes writes to the device and drops its cached pages before read-back. */
  flush(): Promise<void>;
  /** A file target ends where the image does. */
  setLength(size: number): Promise<void>;
  close(): Promise<void>;
  /** After a failure: remove a file this restore created. */
  discard(): Promise<void>;
}

/** A write that failed, in words: the drive went away, or a file's disk is full. */
function writeFailure(error: unknown, path: string, at: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EIO' || code === 'ENXIO' || code === 'ENODEV') {
    return new SpillwayError(
      'device-gone',
      `${path} stopped accepting writes at byte ${at}: it was unplugged or has failed. ` +
        'It now holds a partial restore.',
      { facts: { target: path }, remedy: 'replug-and-retry' },
    );
  }
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
    return new SpillwayError(
      'destination-full',
      `The disk holding ${path} is full at byte ${at}.`,
      { facts: { target: path }, remedy: 'choose-larger-target' },
    );
  }
  return error;
}

/** A read-back that failed, in words: the restore on it cannot be trusted. */
function readBackFailure(error: unknown, path: string, start: number, end: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENXIO' || code === 'ENODEV') {
    return new SpillwayError(
      'device-gone',
      `${path} stopped answering while being read back: it was unplugged or has failed.`,
      { facts: { target: path }, remedy: 'replug-and-retry' },
    );
  }
  if (code === 'EIO') {
    return new SpillwayError(
      'readback-mismatch',
      `${path} could not be read back at bytes ${start}–${end} (a read error): what was ` +
        'written there cannot be trusted.',
      { facts: { target: path }, remedy: 'try-another-drive' },
    );
  }
  return error;
}

export async function openTarget(description: TargetDescription): Promise<RestoreTarget> {
  const { path } = description;
  let handle: FileHandle;
  try {
    handle =
      description.kind === 'device'
        ? await open(path, constants.O_RDWR | constants.O_EXCL)
        : await open(path, description.exists ? 'r+' : 'wx+');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EBUSY') {
      throw new SpillwayError('target-busy', `${path} is in use (mounted, or open elsewhere).`, {
        facts: { target: path },
        remedy: 'unmount-target',
      });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new SpillwayError('permission-denied', `Not allowed to write to ${path}.`, {
        facts: { target: path },
        remedy: accessRemedy(),
      });
    }
    throw error;
  }
  const created = !description.exists;
  const limit = description.size ?? Number.MAX_SAFE_INTEGER;
  const writeBack = new BackgroundFlush(handle);
  // Reads around the page cache, for read-back: a drive's, so that they see what it holds; a
  // file's, because its writes went around the cache too (below). The sector size is not
  // known here: 512 makes the alignment a page, which every drive's sectors divide (a drive
  // that refuses it is read through the cache).
  const uncached = uncachedReads(path, 512);
  // A file's writes go around the page cache where they qualify (io/uncached-writes.ts);
  // the rest land in the cache on this thread, cheaper than through the thread pool. A
  // drive's go through the cache and the thread pool, where one that hangs stops no thread
  // (one write at a time around the cache would leave a drive idle between writes).
  const direct = description.kind === 'file' ? uncachedWrites(path, 4096) : null;
  const readInto = async (buffer: Uint8Array, position: number) => {
    const end = position + buffer.byteLength;
    let got: number;
    try {
      got =
        (await uncached.read(buffer, position)) ??
        (description.kind === 'file'
          ? readFullyHere(handle, buffer, position)
          : await readFully(handle, buffer, position));
    } catch (error) {
      throw readBackFailure(error, path, position, end);
    }
    if (got !== buffer.byteLength) {
      throw new SpillwayError('device-gone', `${path} ended while reading back.`);
    }
  };
  return {
    description,
    sparse: created && description.kind === 'file',
    async write(data, position) {
      if (position + data.byteLength > limit) {
        throw new SpillwayError('target-too-small', `The image does not fit on ${path}.`);
      }
      let done = 0;
      try {
        done = direct?.write(data, position) ?? 0;
        if (done === data.byteLength) return;
        const rest = data.subarray(done);
        if (description.kind === 'file') writeFullyHere(handle, rest, position + done);
        else await writeFully(handle, rest, position + done);
        writeBack.written(rest.byteLength);
      } catch (error) {
        throw writeFailure(
          error,
          path,
          position + done + ((error as { bytesDone?: number }).bytesDone ?? 0),
        );
      }
    },
    async read(length, position) {
      const buffer = Buffer.allocUnsafeSlow(length);
      await readInto(buffer, position);
      return buffer;
    },
    readInto,
    async flush() {
      await writeBack.settle();
      await handle.sync();
      // BLKFLSBUF: drop the device's clean cached pages, so that the read-back's reads that
      // go through the cache (short ones) read the device too.
      if (description.kind === 'device')
        // Without it read-back may be answered from the cache: still the bytes written, so
        // the check is weaker, not wrong (blockdev may be missing, or refuse a device).
        await run('blockdev', ['--flushbufs', path]).catch(() => {});
    },
    async setLength(size) {
      if (description.kind === 'file') await handle.truncate(size);
    },
    async close() {
      await writeBack.settle();
      await uncached.close();
      direct?.close();
      await handle.close();
    },
    async discard() {
      await writeBack.settle();
      await uncached.close().catch(() => {});
      direct?.close();
      // Discarding follows a failure already being reported: a close that fails loses
      // nothing (the restore is abandoned), and a file this restore created that cannot be
      // removed is only the partial copy the user asked for, under the name they gave.
      await handle.close().catch(() => {});
      if (created) await unlink(path).catch(() => {});
    },
  };
}
