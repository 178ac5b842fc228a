// An ImageSink into memory, for tests: the bytes a file would hold.

import type { ImageSink } from '../engine/endpoints/image-sink.js';

export function memorySink(): ImageSink & { bytes(): Buffer } {
  const parts: Buffer[] = [];
  let written = 0;
  return {
    name: 'memory',
    get bytesWritten() {
      return written;
    },
    async write(bytes) {
      parts.push(Buffer.from(bytes));
      written += bytes.byteLength;
    },
    async skip(length) {
      parts.push(Buffer.alloc(length));
      written += length;
    },
    commit: async () => {},
    abort: async () => {},
    keepPartial: async () => null,
    freeSpace: async () => null,
    bytes: () => Buffer.concat(parts),
  };
}
