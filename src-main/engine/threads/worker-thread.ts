// Starting and ending the engine's worker threads (the codec pool's, the stream digest's, a
// zstd stream's decoder).
//
// A worker is ended by asking it to quit (it closes its port and its thread runs out of
// work), not by terminating it from outside: a termination that lands while the worker is
// loading a native module, or inside a native call, aborts the whole process (node-liblzma
// does: worker-thread.test.ts). Terminating is only the fallback for a stuck worker.

import { Worker } from 'node:worker_threads';

/** The message every worker answers by closing its port. */
export interface Quit {
  op: 'quit';
}

/** How long a worker gets to end on its own before it is terminated. */
const QUIT_WAIT_MS = 30_000;

export interface WorkerThread {
  readonly thread: Worker;
  /** Settles when the thread has ended, however it ended. */
  readonly exited: Promise<void>;
}

let threadsStarted = 0;

/**
 * How many worker threads this process has started so far: each loads its modules on a core
 * the job may need, so tests check that a job starts none it has no use for.
 */
export function workerThreadsStarted(): number {
  return threadsStarted;
}

/**
 * Starts the worker module `name` that sits next to the module at `callerUrl`: its compiled
 * .js, or its .ts source through tsx when the engine runs from its sources (tests).
 */
export function startWorker(callerUrl: string, name: string, workerData: object): WorkerThread {
  let thread: Worker;
  if (callerUrl.endsWith('.ts')) {
    // Through a variable: Vite rewrites `new URL('…', import.meta.url)` written out as an
    // asset URL in the renderer tests' DOM environment, and Worker takes file: URLs only.
    const here = import.meta.url;
    thread = new Worker(new URL('./ts-worker-bootstrap.mjs', here), {
      workerData: { ...workerData, tsEntry: new URL(`./${name}.ts`, callerUrl).href },
    });
  } else {
    // In the packaged app workers run from app.asar.unpacked: worker_threads cannot load a
    // script from inside an asar archive (electron-builder.yml unpacks them and their imports).
    const entry = new URL(`./${name}.js`, callerUrl).href.replace(
      '/app.asar/',
      '/app.asar.unpacked/',
    );
    thread = new Worker(new URL(entry), { workerData });
  }
  threadsStarted++;
  return { thread, exited: new Promise((resolve) => thread.once('exit', () => resolve())) };
}

/**
 * Asks the worker to quit and waits for its thread to end. Messages are handled in order, so
 * it first finishes what was posted before; one stuck longer than QUIT_WAIT_MS is terminated.
 */
export async function quitWorker(worker: WorkerThread): Promise<void> {
  const quit: Quit = { op: 'quit' };
  worker.thread.postMessage(quit);
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => {
    timer = setTimeout(() => resolve('stuck'), QUIT_WAIT_MS);
  });
  const ended = await Promise.race([worker.exited, stuck]);
  clearTimeout(timer);
  if (ended === 'stuck') await worker.thread.terminate();
}
