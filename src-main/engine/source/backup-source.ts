// What a backup reads: a block device or a file (positioned reads, known size), or a stream
// such as stdin (sequential, size known only at the end).

import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { SourceInfo } from '../../../src-shared/manifest.js';
import { blockDeviceAt } from '../device/block-device.js';
import { devnumOf } from '../device/devnum.js';
import { accessRemedy, SpillwayError } from '../errors.js';
import { readFully } from '../io/file-io.js';
import { uncachedReads } from '../io/uncached-reads.js';

export interface PositionedSource {
  readonly type: 'positioned';
  readonly info: SourceInfo;
  /** Device number of the drive (or of the filesystem holding the file). */
  readonly devnum: string;
  /** Reads into `buffer` from `position`; fewer bytes only at the end of the source. */
  read(buffer: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface StreamSource {
  readonly type: 'stream';
  /** size is 0 until the stream has ended. */
  readonly info: SourceInfo;
  readonly stream: Readable;
  close(): Promise<void>;
}

export type BackupSource = PositionedSource | StreamSource;

export async function openBackupSource(path: string, stdin?: Readable): Promise<BackupSource> {
  if (path === '-') {
    return {
      type: 'stream',
      info: { path: '-', kind: 'stream', size: 0, logicalSectorSize: 512, physicalSectorSize: 512 },
      stream: stdin ?? process.stdin,
      close: async () => {},
    };
  }
  const st = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new SpillwayError('not-found', `Cannot find the source ${path} (${error.code}).`);
  });
  let info: SourceInfo;
  let devnum: string;
  if (st.isBlockDevice()) {
    const device = await blockDeviceAt(path);
    info = {
      path,
      kind: 'device',
      size: device.size,
      logicalSectorSize: device.logicalSectorSize,
      physicalSectorSize: device.physicalSectorSize,
      ...(device.model ? { model: device.model } : {}),
      ...(device.serial ? { serial: device.serial } : {}),
    };
    devnum = device.devnum;
  } else if (st.isFile()) {
    info = { path, kind: 'file', size: st.size, logicalSectorSize: 512, physicalSectorSize: 512 };
    devnum = devnumOf(st.dev);
  } else {
    throw new SpillwayError('usage', `${path} is neither a drive nor a file.`);
  }
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EACCES' || error.code === 'EPERM') {
      throw new SpillwayError('permission-denied', `Not allowed to read ${path}.`, {
        facts: { path },
        remedy: accessRemedy(),
      });
    }
    throw error;
  });
  // Frames go around the page cache where the source allows it (uncached-reads.ts).
  const uncached = uncachedReads(path, info.logicalSectorSize);
  return {
    type: 'positioned',
    info,
    devnum,
    read: async (buffer, position) =>
      (await uncached.read(buffer, position)) ?? readFully(handle, buffer, position),
    close: async () => {
      await uncached.close();
      await handle.close();
    },
  };
}
