// A fixed set of worker threads running codec jobs between slots of shared arenas.
//
// The workers start with the pool's first job, not with the pool: each loads the codecs'
// native modules (about 0.3 CPU s per worker here), and a restore of a plain zstd or
// gzip stream, which decodes on the main thread, would otherwise pay for workers it never
// uses, on the cores it decodes and writes with.
//
// Each worker is handed up to DEPTH jobs at once (they wait in its own message queue), so it
// starts the next frame the moment it finishes one instead of waiting for the main thread to
// notice and dispatch: on a machine with as many busy threads as cores, that wait is what
// would idle the workers. Further jobs wait in a FIFO here (an age batch to seal goes ahead
// of the others: see seal); callers bound how many they submit (by the slots they hold), so
// the FIFO stays short.

import { availableParallelism } from 'node:os';
import type { CodecName } from '../../../src-shared/manifest.js';
import { FrameCorruptError } from '../codecs/frame-codec.js';
import type { CodecReply, CodecRequest, SealedFrame, WorkerMessage } from './codec-messages.js';
import { BusyMeter } from '../progress/busy-meter.js';
import type { Slot, SlotArena } from './slot-arena.js';
import { quitWorker, startWorker, type WorkerThread } from '../threads/worker-thread.js';

type Job = {
  request: CodecRequest;
  resolve: (reply: Extract<CodecReply, { ok: true }>) => void;
  reject: (error: Error) => void;
  /** Sent ahead of the jobs waiting (submit's `place`). */
  first: boolean;
};

interface Worker_ extends WorkerThread {
  /** Jobs posted to this worker, answered in this order. */
  jobs: Job[];
}

/** A frame as the codec stage hands it to the writer. */
export interface CompressedFrame {
  /** Its bytes as stored: a view of the output slot (or of the base's slot when reused). */
  bytes: Buffer;
  checksum: number | null;
  /** The strong hash of its uncompressed bytes. */
  hash: Uint8Array;
  /** The XXH64 of `bytes`, when the worker took it (frame-digests.ts frameXxh64). */
  storedXxh64?: bigint;
  /** With a base: whether the base's frame was used, damaged, or held other bytes. */
  base?: 'reused' | 'damaged' | 'changed';
}

/** Jobs posted to one worker at a time. */
const DEPTH = 2;
/**
 * A job over more bytes than this (uncompressed) is posted only to an idle worker; the rest
 * wait here. Such a job runs long enough that a worker's wait for the main thread is nothing
 * beside it, while one posted behind another can leave a second worker idle until the first
 * is done: decoding xz -T0's 24 MiB blocks, one of two workers was idle for about half of the
 * restore (node --cpu-prof).
 */
export const LARGE_JOB = 8 * 2 ** 20;

/**
 * Which worker takes a job of `bytes` (uncompressed), given how many jobs each holds: the
 * least loaded, if it has room for it; otherwise none (the job waits).
 */
export function workerFor(loads: readonly number[], bytes: number): number | null {
  let best = 0;
  for (let i = 1; i < loads.length; i++) if (loads[i]! < loads[best]!) best = i;
  const room = bytes > LARGE_JOB ? 1 : DEPTH;
  return loads[best]! < room ? best : null;
}

/** The uncompressed bytes a job handles. */
const jobBytes = (request: CodecRequest) =>
  request.op === 'compress' || request.op === 'hash-sealed'
    ? request.input.length
    : request.output.length;

export function defaultThreads(): number {
  return availableParallelism();
}

export class CodecPool {
  /** Empty until the first job or arena needs them (startWorkers). */
  private readonly workers: Worker_[] = [];
  private readonly queue: Job[] = [];
  private readonly attached = new Set<number>();
  private nextId = 1;
  private broken: Error | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Set to 1 on close: workers answer the jobs still in their queue without running them. */
  private readonly stop = new SharedArrayBuffer(4);
  /** How many workers have work, over time (for the codec stage's utilization). */
  readonly busy: BusyMeter;

  /**
   * `kind`: 'codecs' runs every job (compress, decompress, and age's seal and open, so that
   * a job on an encrypted image needs no second pool); 'age-chunks' runs seal and open only,
   * on workers that load no codec and so start at once (for an encrypted endpoint that was
   * given no pool).
   */
  constructor(
    readonly size: number = defaultThreads(),
    private readonly kind: 'codecs' | 'age-chunks' = 'codecs',
  ) {
    if (!(size >= 1 && size <= 256)) throw new RangeError('threads must be between 1 and 256');
    this.busy = new BusyMeter(size);
  }

  /**
   * Starts the workers now rather than at the first job: for a caller that knows it will need
   * them and has a wait to hide their start-up behind (an encrypted image's scrypt).
   */
  warmUp(): void {
    this.startWorkers();
  }

  /** Whether the workers were started (by a job, or an arena shown to them). */
  get started(): boolean {
    return this.workers.length > 0;
  }

  /** Jobs that can be in flight at once without any worker waiting for the main thread. */
  get depth(): number {
    return this.size * DEPTH;
  }

  /**
   * Compresses `length` bytes of the input slot into the output slot, and hashes them
   * (frame-hash.ts). Resolves to the compressed bytes (a view of the output slot, or rarely a
   * buffer of their own; empty for a hole), the frame's checksum and its hash.
   *
   * With `base` (the earlier image's frame at the same place, its stored bytes in a slot):
   * when that frame holds the same bytes, nothing is compressed and its stored bytes and
   * checksum are the result (`base: 'reused'`).
   */
  async compress(
    codec: CodecName,
    level: number,
    input: Slot,
    length: number,
    output: Slot,
    base?: {
      stored: Slot;
      storedLength: number;
      hash: Uint8Array;
      checksum: number | null;
      storedXxh64?: bigint;
    },
    /** The input holds only zeros (nothing was read into it). */
    zeros = false,
  ): Promise<CompressedFrame> {
    const reply = await this.submit({
      id: this.nextId++,
      op: 'compress',
      codec,
      level,
      input: this.ref(input, length),
      output: this.ref(output, output.arena.slotBytes),
      ...(base
        ? {
            base: {
              stored: this.ref(base.stored, base.storedLength),
              hash: base.hash,
              checksum: base.checksum,
              ...(base.storedXxh64 !== undefined ? { storedXxh64: base.storedXxh64 } : {}),
            },
          }
        : {}),
      ...(zeros ? { zeros } : {}),
    });
    if (!reply.hash) throw new Error('the codec worker did not hash the frame');
    const storedXxh64 = reply.storedXxh64 !== undefined ? { storedXxh64: reply.storedXxh64 } : {};
    if (reply.base === 'reused') {
      return {
        bytes: base!.stored.bytes(base!.storedLength),
        checksum: base!.checksum,
        hash: reply.hash,
        ...storedXxh64,
        base: 'reused',
      };
    }
    const bytes = reply.overflow
      ? Buffer.from(reply.overflow.buffer, reply.overflow.byteOffset, reply.length)
      : output.bytes(reply.length);
    return {
      bytes,
      checksum: reply.checksum,
      hash: reply.hash,
      ...storedXxh64,
      ...(reply.base ? { base: reply.base } : {}),
    };
  }

  /**
   * Decompresses `length` bytes of the input slot into exactly `size` bytes of the output,
   * checking the frame against the index's `checksum`.
   */
  async decompress(
    codec: CodecName,
    input: Slot,
    length: number,
    output: Slot,
    size: number,
    checksum: number | null,
  ): Promise<Buffer> {
    await this.submit({
      id: this.nextId++,
      op: 'decompress',
      codec,
      input: this.ref(input, length),
      output: this.ref(output, size),
      checksum,
    });
    return output.bytes(size);
  }

  /**
   * Decodes one frame of an image: `length` bytes of the input slot, the frame as stored or,
   * with `sealed`, the age chunks around it (opened on the worker first), into exactly `size`
   * bytes of the output, checking the index's `checksum`. Resolves to the frame's data and
   * the XXH64 of its stored bytes, or to the first chunk that did not authenticate (nothing
   * was decoded then). A frame that does not decode rejects with a FrameCorruptError that
   * carries that XXH64.
   */
  async decodeFrame(
    codec: CodecName,
    input: Slot,
    length: number,
    output: Slot,
    size: number,
    checksum: number | null,
    sealed?: SealedFrame,
  ): Promise<{ data: Buffer; storedXxh64: bigint } | { failedChunk: number }> {
    const reply = await this.submit({
      id: this.nextId++,
      op: 'decompress',
      codec,
      input: this.ref(input, length),
      output: this.ref(output, size),
      checksum,
      hashStored: true,
      ...(sealed ? { sealed } : {}),
    });
    if (reply.failedChunk !== undefined && reply.failedChunk !== null) {
      return { failedChunk: reply.failedChunk };
    }
    if (reply.storedXxh64 === undefined) throw new Error('the codec worker did not hash the frame');
    return { data: output.bytes(size), storedXxh64: reply.storedXxh64 };
  }

  /**
   * Opens `length` sealed bytes in the input slot (the age chunks from `sealed.firstChunk`)
   * and hashes the frames they hold, each given by its start and length in their plain
   * bytes. Resolves to each frame's XXH64, or to the first chunk that did not authenticate.
   */
  async hashSealedFrames(
    sealed: Omit<SealedFrame, 'skip' | 'length'>,
    input: Slot,
    length: number,
    frames: Float64Array,
  ): Promise<{ digests: BigUint64Array } | { failedChunk: number }> {
    const reply = await this.submit({
      id: this.nextId++,
      op: 'hash-sealed',
      key: sealed.key,
      firstChunk: sealed.firstChunk,
      lastChunk: sealed.lastChunk,
      input: this.ref(input, length),
      frames,
    });
    if (reply.failedChunk !== undefined && reply.failedChunk !== null) {
      return { failedChunk: reply.failedChunk };
    }
    if (!reply.digests) throw new Error('the codec worker did not hash the frames');
    return { digests: reply.digests };
  }

  /**
   * Seals `length` bytes of plaintext in the input slot as age payload chunks numbered from
   * `firstChunk` into the output slot (which must hold their tags too); the batch's final
   * chunk is flagged as the payload's last when `endsPayload`. Resolves to the sealed bytes.
   *
   * It goes ahead of the jobs waiting here (not of those a worker already holds): a batch is
   * about 2 ms of cipher and the image's writer waits for it, holding compressed frames'
   * slots, while a compress job behind which it would queue takes several times longer
   * and only fills another slot.
   */
  async seal(
    key: Uint8Array,
    firstChunk: number,
    endsPayload: boolean,
    input: Slot,
    length: number,
    output: Slot,
  ): Promise<Buffer> {
    const reply = await this.submit(
      {
        id: this.nextId++,
        op: 'seal',
        key,
        firstChunk,
        endsPayload,
        input: this.ref(input, length),
        output: this.ref(output, output.arena.slotBytes),
      },
      'first',
    );
    return output.bytes(reply.length);
  }

  /**
   * Opens `length` sealed bytes in the input slot (age payload chunks numbered from
   * `firstChunk`; `lastChunk` is the payload's last) into `plainLength` bytes of the output
   * slot. Resolves to null when every chunk authenticated, else to the first that did not.
   */
  async open(
    key: Uint8Array,
    firstChunk: number,
    lastChunk: number,
    input: Slot,
    length: number,
    output: Slot,
    plainLength: number,
  ): Promise<number | null> {
    const reply = await this.submit({
      id: this.nextId++,
      op: 'open',
      key,
      firstChunk,
      lastChunk,
      input: this.ref(input, length),
      output: this.ref(output, plainLength),
    });
    return reply.failedChunk ?? null;
  }

  /**
   * The arena will not be used again: the workers let go of it. Call it once its jobs are
   * answered; a pool that outlives many jobs would otherwise keep every arena's memory.
   */
  forget(arena: SlotArena): void {
    // A closed pool's workers are gone, and their memory with them.
    if (!this.attached.delete(arena.id) || this.closed) return;
    const message: WorkerMessage = { op: 'detach', arena: arena.id };
    for (const worker of this.workers) worker.thread.postMessage(message);
  }

  /**
   * Ends the pool at once for its callers. Each worker skips what is queued, finishes the
   * frame it is on, then quits (worker-thread.ts says why it is not terminated).
   */
  close(): Promise<void> {
    this.closing ??= this.end();
    return this.closing;
  }

  private async end(): Promise<void> {
    this.closed = true;
    Atomics.store(new Int32Array(this.stop), 0, 1);
    this.failAll(new Error('codec pool closed'));
    await Promise.all(this.workers.map(quitWorker));
  }

  private ref(slot: Slot, length: number) {
    const arena = slot.arena;
    if (!this.attached.has(arena.id)) this.attach(arena);
    return arena.ref(slot, length);
  }

  /** Shows an arena to every worker, once; messages arrive in order, so before any job. */
  private attach(arena: SlotArena): void {
    this.startWorkers();
    const message: WorkerMessage = {
      op: 'attach',
      arena: arena.id,
      memory: arena.memory,
      slotBytes: arena.slotBytes,
      stride: arena.stride,
    };
    for (const worker of this.workers) worker.thread.postMessage(message);
    this.attached.add(arena.id);
  }

  /** `place`: where the job waits for a worker, behind the jobs waiting or ahead of them. */
  private submit(
    request: CodecRequest,
    place: 'last' | 'first' = 'last',
  ): Promise<Extract<CodecReply, { ok: true }>> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('codec pool closed'));
    this.startWorkers();
    return new Promise((resolve, reject) => {
      const job = { request, resolve, reject, first: place === 'first' };
      // Ahead of the others, but behind those sent ahead before it: they keep their order.
      const at = job.first ? this.queue.findIndex((waiting) => !waiting.first) : -1;
      if (at >= 0) this.queue.splice(at, 0, job);
      else this.queue.push(job);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const loads = this.workers.map((w) => w.jobs.length);
      const chosen = workerFor(loads, jobBytes(this.queue[0]!.request));
      if (chosen === null) return;
      const worker = this.workers[chosen]!;
      const job = this.queue.shift()!;
      if (worker.jobs.length === 0) this.busy.begin();
      worker.jobs.push(job);
      worker.thread.postMessage(job.request);
    }
  }

  /** Starts the workers, once: before the first arena is shown to them or job posted. */
  private startWorkers(): void {
    if (this.started || this.closed) return;
    for (let i = 0; i < this.size; i++) this.workers.push(this.startWorker());
  }

  private startWorker(): Worker_ {
    const worker: Worker_ = {
      ...(this.kind === 'codecs'
        ? startWorker(import.meta.url, 'codec-worker', { stop: this.stop })
        : startWorker(import.meta.url, 'chunk-worker', {})),
      jobs: [],
    };
    const { thread } = worker;
    thread.on('message', (reply: CodecReply) => {
      if (this.closed) return;
      const job = worker.jobs.shift();
      if (worker.jobs.length === 0) this.busy.end();
      if (!job || job.request.id !== reply.id) {
        this.breakPool(new Error('codec worker answered a job it was not given'));
        return;
      }
      if (reply.ok) job.resolve(reply);
      // The worker's FrameCorruptError, thrown again on this side of the thread.
      else if (reply.corrupt) job.reject(new FrameCorruptError(reply.message, reply.storedXxh64));
      else job.reject(new Error(reply.message));
      this.dispatch();
    });
    const onDeath = (error: Error) => {
      if (this.closed) return;
      this.breakPool(new Error(`a codec worker stopped: ${error.message}`));
    };
    thread.on('error', onDeath);
    thread.on('exit', (code) => onDeath(new Error(`exit code ${code}`)));
    return worker;
  }

  private breakPool(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const worker of this.workers) {
      for (const job of worker.jobs.splice(0)) job.reject(error);
    }
  }
}
