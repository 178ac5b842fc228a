// --max-write-rate: an ImageSink that writes no faster than a given rate, for tests and
// benchmarks of slow destinations (a USB 2 stick, a network share).

import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageSink } from './image-sink.js';

export function throttledSink(sink: ImageSink, bytesPerSecond: number): ImageSink {
  const started = performance.now();
  let written = 0;
  return {
    get name() {
      return sink.name;
    },
    get bytesWritten() {
      return sink.bytesWritten;
    },
    async write(bytes) {
      // Wait until the bytes written so far, these included, are within the allowance.
      written += bytes.byteLength;
      const due = started + (written / bytesPerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await sink.write(bytes);
    },
    // Holes cost no bandwidth.
    skip: (length) => sink.skip(length),
    commit: () => sink.commit(),
    abort: () => sink.abort(),
    keepPartial: () => sink.keepPartial(),
    freeSpace: () => sink.freeSpace(),
  };
}
