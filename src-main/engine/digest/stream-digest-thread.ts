// The stream's digests (streamSha256, framesDigest), taken on a worker thread of their own.
// The backup's reader sends each frame as it reads it and goes on reading; the frame's slot
// is held until the worker has hashed it (slot-arena.ts hold()).

import { quitWorker, startWorker, type WorkerThread } from '../threads/worker-thread.js';
import type { DigestReply, DigestRequest } from './digest-messages.js';
import type { StreamDigests } from './frame-digests.js';

type Waiter = { resolve: (reply: DigestReply) => void; reject: (error: Error) => void };

export class StreamDigestThread {
  private readonly worker: WorkerThread;
  /** One per request still to be answered, in order. */
  private readonly waiting: Waiter[] = [];
  /** Why the worker can no longer answer; every later request fails with it. */
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;

  constructor() {
    this.worker = startWorker(import.meta.url, 'digest-worker', {});
    this.worker.thread.on('message', (reply: DigestReply) => {
      const waiter = this.waiting.shift();
      if (reply.op !== 'failed') return waiter?.resolve(reply);
      // A frame the digest missed spoils it for good: every later request fails too.
      const error = new Error(`the stream digest failed: ${reply.message}`);
      waiter?.reject(error);
      this.fail(error);
    });
    this.worker.thread.on('error', (error) =>
      this.fail(new Error(`the stream digest stopped: ${error.message}`)),
    );
    this.worker.thread.on('exit', () => this.fail(new Error('the stream digest stopped')));
  }

  /**
   * Hashes the next frame of the stream. Resolves once the worker is done reading `frame`;
   * until then its bytes must not change. `zeros`: nothing was read into it (all zeros).
   */
  async update(frame: Uint8Array, zeros = false): Promise<void> {
    await this.ask({ op: 'update', frame, zeros });
  }

  /** The digests of every frame sent so far. */
  async result(): Promise<StreamDigests> {
    const reply = await this.ask({ op: 'result' });
    if (reply.op !== 'result') throw new Error('the stream digest answered out of turn');
    return { streamSha256: reply.streamSha256, framesDigest: reply.framesDigest };
  }

  /** Ends the worker; requests still unanswered fail. */
  close(): Promise<void> {
    this.closing ??= quitWorker(this.worker);
    return this.closing;
  }

  private ask(request: Exclude<DigestRequest, { op: 'quit' }>): Promise<DigestReply> {
    if (this.closing) return Promise.reject(new Error('the stream digest is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.thread.postMessage(request);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }
}
