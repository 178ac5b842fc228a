// A local file made by `zstd` (one stream, no index: `dd | zstd`), decoded on a worker thread
// of its own while the caller writes on this one.
//
// Why: restoring such a file is one zstd decode and one write of every byte, in order. On
// one thread they take turns (a file target is written with writeSync, docs/benchmarks.md),
// so the restore took the decode's time plus the writes': on 2 cores, `zstd -dc > file; sync`
// was as fast or faster. Here the worker reads and decodes into shared slots of a few MiB
// while this thread writes the slot before; the blocks handed out are views of those slots,
// so no byte is copied between the threads.

import { pageAlignedSharedMemory } from '../io/page-aligned.js';
import { quitWorker, startWorker } from '../threads/worker-thread.js';
import {
  CONTROL_WORDS,
  RELEASED,
  STOP,
  type StreamWorkerData,
  type StreamWorkerEvent,
} from './zstd-stream-messages.js';

/** Bytes the worker fills before it tells this thread (one message per slot). */
const SLOT_TARGET = 4 * 2 ** 20;
/** Slots in turn: two the caller may still hold blocks of, two the worker fills ahead. */
const SLOTS = 4;

/**
 * The decoded bytes of the zstd file at `path` (`size` bytes), in blocks of `blockSize` (the
 * last may be shorter). As decodeBlocks: a block stays as yielded until two more have been
 * taken after it. Decoding errors are thrown as the decoder gave them (message and code);
 * `onInput` is told the compressed bytes read.
 */
export async function* decodeZstdFileOnWorker(
  path: string,
  size: number,
  blockSize: number,
  onInput: (bytes: number) => void,
  signal: AbortSignal,
): AsyncGenerator<Buffer> {
  const slotBytes = Math.max(1, Math.floor(SLOT_TARGET / blockSize)) * blockSize;
  const memory = pageAlignedSharedMemory(slotBytes * SLOTS);
  const controlMemory = new SharedArrayBuffer(CONTROL_WORDS * 4);
  const control = new Int32Array(controlMemory);
  const data: StreamWorkerData = {
    path,
    size,
    slotBytes,
    slots: SLOTS,
    memory,
    control: controlMemory,
  };
  const worker = startWorker(import.meta.url, 'zstd-stream-worker', data);
  const events = new Events();
  worker.thread.on('message', (event: StreamWorkerEvent) => events.push(event));
  worker.thread.on('error', (error) => events.push({ op: 'failed', message: error.message }));
  worker.thread.on('exit', () =>
    events.push({ op: 'failed', message: 'the zstd decoding thread stopped' }),
  );
  const stop = () => {
    Atomics.store(control, STOP, 1);
    Atomics.notify(control, RELEASED);
  };
  const onAbort = () => {
    stop();
    events.push({ op: 'failed', message: 'cancelled' });
  };
  signal.addEventListener('abort', onAbort, { once: true });

  /** For each slot blocks were taken from and not yet let go of: its last block's number. */
  const held: number[] = [];
  let taken = 0;
  let slot = 0;
  try {
    for (;;) {
      const event = await events.next();
      signal.throwIfAborted();
      if (event.op === 'end') return;
      if (event.op === 'failed') {
        throw Object.assign(new Error(event.message), event.code ? { code: event.code } : {});
      }
      onInput(event.consumed);
      const bytes = Buffer.from(memory, (slot++ % SLOTS) * slotBytes, event.length);
      for (let at = 0; at < bytes.byteLength; at += blockSize) {
        // The caller is done with every block but the last two it took: their slots go back
        // to the worker, in the order it filled them.
        while (held.length > 0 && held[0]! <= taken - 3) {
          held.shift();
          Atomics.add(control, RELEASED, 1);
          Atomics.notify(control, RELEASED);
        }
        signal.throwIfAborted();
        yield bytes.subarray(at, Math.min(at + blockSize, bytes.byteLength));
        taken++;
      }
      held.push(taken - 1);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop();
    await quitWorker(worker);
  }
}

/** The worker's events, waited for one at a time. */
class Events {
  private readonly queue: StreamWorkerEvent[] = [];
  private waiting: ((event: StreamWorkerEvent) => void) | null = null;

  push(event: StreamWorkerEvent): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(event);
    else this.queue.push(event);
  }

  next(): Promise<StreamWorkerEvent> {
    const event = this.queue.shift();
    if (event) return Promise.resolve(event);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}
