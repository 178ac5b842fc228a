// An image on another machine, read through SFTP: by position for indexed images (frames
// are read in 64 KiB requests, several in flight), as a stream for the others. Its sidecar
// index, when there is one, comes along.

import type { SFTPWrapper, Stats } from 'ssh2';
import { MAX_SIDECAR_BYTES, sidecarPathOf } from '../../../../src-shared/sidecar.js';
import { SpillwayError } from '../../errors.js';
import { checkReadRange, withRead, type FoundImage } from '../image-input.js';
import { SshConnection, type SshOptions } from './connection.js';
import { describeLocation, type SshLocation } from './url.js';

const REQUEST = 64 * 1024;
const IN_FLIGHT = 16;

export async function openSshImage(
  location: SshLocation,
  options: SshOptions,
): Promise<FoundImage> {
  const connection = await SshConnection.open(location, options);
  try {
    const sftp = await connection.sftp();
    const where = describeLocation(location);
    const stats = await call<Stats>((cb) => sftp.stat(location.path, cb)).catch(() => {
      throw new SpillwayError('not-found', `There is no image at ${where}.`);
    });
    if (!stats.isFile()) throw new SpillwayError('not-an-image', `${where} is not a file.`);
    const handle = await call<Buffer>((cb) => sftp.open(location.path, 'r', cb));
    const input = withRead({
      path: where,
      size: stats.size,
      files: [],
      readInto: (target, position) => readAt(sftp, handle, where, stats.size, target, position),
      stream: (start = 0) =>
        sftp.createReadStream(location.path, { start, highWaterMark: 1 << 20 }),
      async close() {
        // The connection closes next, which closes the handle on the server anyway.
        await call((cb) => sftp.close(handle, cb)).catch(() => {});
        connection.close();
      },
    });
    return { input, sidecar: await readSidecar(sftp, location.path, where) };
  } catch (error) {
    connection.close();
    throw error;
  }
}

async function readAt(
  sftp: SFTPWrapper,
  handle: Buffer,
  where: string,
  size: number,
  target: Uint8Array,
  position: number,
): Promise<void> {
  checkReadRange(where, size, position, target.byteLength);
  const buffer = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
  let next = 0;
  const worker = async () => {
    while (next < buffer.byteLength) {
      let offset = next;
      const end = Math.min(offset + REQUEST, buffer.byteLength);
      next = end;
      while (offset < end) {
        const n = await call<number>((cb) =>
          sftp.read(handle, buffer, offset, end - offset, position + offset, (error, bytes) =>
            cb(error ?? undefined, bytes),
          ),
        );
        if (n === 0) throw new SpillwayError('image-truncated', `${where} ended while being read.`);
        offset += n;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function readSidecar(sftp: SFTPWrapper, path: string, where: string) {
  const sidecarPath = sidecarPathOf(path);
  const stats = await call<Stats>((cb) => sftp.stat(sidecarPath, cb)).catch(() => null);
  if (!stats?.isFile()) return null;
  if (stats.size > MAX_SIDECAR_BYTES) {
    throw new SpillwayError(
      'image-damaged',
      `${sidecarPathOf(where)} is too large to be Spillway's index file.`,
    );
  }
  const text = await call<Buffer>((cb) => sftp.readFile(sidecarPath, cb));
  return { path: sidecarPathOf(where), text: text.toString('utf8') };
}

/** A promise for an ssh2 callback. */
function call<T = void>(
  start: (cb: (error: Error | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) =>
    start((error, value) => (error ? reject(error) : resolve(value as T))),
  );
}
