// Messages between the main thread and the stream digest's worker (digest-worker.ts).

import type { Quit } from '../threads/worker-thread.js';
import type { StreamDigests } from './frame-digests.js';

export type DigestRequest =
  /** The next frame of the stream. A view of shared memory is read in place, not copied. */
  | { op: 'update'; frame: Uint8Array; zeros: boolean }
  /** Every frame has been sent: the digests, once the worker has hashed them all. */
  | { op: 'result' }
  | Quit;

/** Answers come in the order of the requests (quit has none). */
export type DigestReply =
  { op: 'updated' } | ({ op: 'result' } & StreamDigests) | { op: 'failed'; message: string };
