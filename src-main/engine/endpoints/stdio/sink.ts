// An image written to a stream (stdout for `backup SRC -`), with the stream's own
// backpressure: a slow reader on the other end of the pipe slows us down, nothing piles up.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ImageSink } from '../image-sink.js';

const ZERO_BLOCK = 2 ** 20;

export function streamSink(stream: Writable, name = '-'): ImageSink {
  let bytesWritten = 0;
  let failure: Error | null = null;
  let zeros: Buffer | null = null;
  stream.on('error', (error) => (failure ??= error));
  return {
    name,
    get bytesWritten() {
      return bytesWritten;
    },
    async write(bytes) {
      if (failure) throw failure;
      if (!stream.write(bytes)) {
        await Promise.race([once(stream, 'drain'), once(stream, 'error')]);
      }
      if (failure) throw failure;
      bytesWritten += bytes.byteLength;
    },
    async skip(length) {
      // A pipe has no holes: the zeros are written, in blocks of at most 1 MiB.
      zeros ??= Buffer.alloc(ZERO_BLOCK);
      for (let left = length; left > 0; left -= ZERO_BLOCK) {
        await this.write(zeros.subarray(0, Math.min(left, ZERO_BLOCK)));
      }
    },
    async commit() {
      if (failure) throw failure;
      if (stream.writableNeedDrain) await once(stream, 'drain');
    },
    async abort() {},
    async keepPartial() {
      return null;
    },
    async freeSpace() {
      return null;
    },
  };
}
