// Worker thread entry: decodes a local file made by `zstd` (one stream, no index) from its
// start, into the shared slots it was given, in turn (zstd-stream-thread.ts hands them out).
// It reads the file itself, so only a message per filled slot crosses to the main thread.

import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { pageAlignedBuffer } from '../io/page-aligned.js';
import { ZstdBlockDecoder } from './zstd-stream-decoder.js';
import {
  RELEASED,
  STOP,
  type StreamWorkerData,
  type StreamWorkerEvent,
} from './zstd-stream-messages.js';

if (!parentPort) throw new Error('zstd-stream-worker must run as a worker thread');
const port = parentPort;
const {
  path,
  size,
  slotBytes,
  slots,
  memory,
  control: controlMemory,
} = workerData as StreamWorkerData;
const control = new Int32Array(controlMemory);

/** Reads at once: what the main thread read at once before (stream-decoder.ts). */
const READ_CHUNK = 2 ** 20;

/** Waits until slot number `handed` (counting from 0) is free; false when told to stop. */
function waitForSlot(handed: number): boolean {
  for (;;) {
    if (Atomics.load(control, STOP) !== 0) return false;
    const released = Atomics.load(control, RELEASED);
    if (handed - released < slots) return true;
    Atomics.wait(control, RELEASED, released);
  }
}

function send(event: StreamWorkerEvent): void {
  port.postMessage(event);
}

function decodeAll(): void {
  const fd = openSync(path, 'r');
  const decoder = new ZstdBlockDecoder();
  const chunk = pageAlignedBuffer(READ_CHUNK);
  let handed = 0;
  let consumed = 0;
  const slotAt = (n: number) => Buffer.from(memory, (n % slots) * slotBytes, slotBytes);
  try {
    if (!waitForSlot(handed)) return;
    const out = { block: slotAt(handed), filled: 0 };
    for (let position = 0; position < size;) {
      const wanted = Math.min(READ_CHUNK, size - position);
      const got = readSync(fd, chunk, 0, wanted, position);
      // The file shrank since it was opened.
      if (got === 0) throw new Error('the file ended early (truncated)');
      position += got;
      consumed += got;
      const input = chunk.subarray(0, got);
      let at = 0;
      for (;;) {
        at = decoder.decode(input, at, out);
        const full = out.filled === slotBytes;
        if (full) {
          send({ op: 'slot', length: out.filled, consumed });
          consumed = 0;
          handed++;
          if (!waitForSlot(handed)) return;
          out.block = slotAt(handed);
          out.filled = 0;
        }
        // A full slot may leave decoded bytes waiting inside the decoder: ask again.
        if (at < input.byteLength || full) continue;
        break;
      }
    }
    decoder.end();
    if (out.filled > 0 || consumed > 0) send({ op: 'slot', length: out.filled, consumed });
    send({ op: 'end' });
  } finally {
    decoder.close();
    closeSync(fd);
  }
}

port.on('message', (message: { op: 'quit' }) => {
  if (message.op === 'quit') port.close();
});

try {
  decodeAll();
} catch (error) {
  const { message, code } = error as NodeJS.ErrnoException;
  send({ op: 'failed', message, ...(code !== undefined ? { code } : {}) });
}
