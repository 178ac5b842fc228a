// Worker thread entry: compresses or decompresses one frame per message, between slots of
// the shared arenas it was given. It also opens and seals batches of age payload chunks, so
// that a job reading an encrypted image decrypts on the pool it decodes on: a second pool
// of chunk workers (chunk-worker.ts) would be two more threads on the same cores, and its
// start-up paid again.

import { parentPort, workerData } from 'node:worker_threads';
import type { CodecName } from '../../../src-shared/manifest.js';
import { FrameCorruptError } from '../codecs/frame-codec.js';
import { frameCodec, frameCodecSettled, loadedFrameCodec } from '../codecs/registry.js';
import { frameXxh64 } from '../digest/frame-digests.js';
import { frameHash } from '../digest/frame-hash.js';
import { openChunks, SEALED_CHUNK_SIZE, sealChunks, TAG_SIZE } from '../sealing/payload-chunks.js';
import type {
  BaseFrameRef,
  CodecReply,
  CodecRequest,
  SealedFrame,
  WorkerMessage,
} from './codec-messages.js';
import { WorkerArenas } from './worker-arenas.js';

if (!parentPort) throw new Error('codec-worker must run as a worker thread');
const port = parentPort;

/** 1 once the pool is closing: queued jobs are answered without being run. */
const stop = new Int32Array((workerData as { stop: SharedArrayBuffer }).stop);

const arenas = new WorkerArenas();
const view = arenas.view.bind(arenas);

function run(request: CodecRequest): CodecReply {
  if (request.op === 'open') {
    const failedChunk = openChunks(
      request.key,
      request.firstChunk,
      request.lastChunk,
      view(request.input),
      view(request.output),
    );
    return { id: request.id, ok: true, length: request.output.length, checksum: null, failedChunk };
  }
  if (request.op === 'seal') {
    const output = view(request.output);
    const length = sealChunks(
      request.key,
      request.firstChunk,
      view(request.input),
      request.endsPayload,
      output,
    );
    return { id: request.id, ok: true, length, checksum: null };
  }
  if (request.op === 'hash-sealed') {
    const plain = openSealed(
      view(request.input),
      request.key,
      request.firstChunk,
      request.lastChunk,
    );
    if (typeof plain === 'number') {
      return { id: request.id, ok: true, length: 0, checksum: null, failedChunk: plain };
    }
    const digests = new BigUint64Array(request.frames.length / 2);
    for (let i = 0; i < digests.length; i++) {
      const start = request.frames[2 * i]!;
      const end = start + request.frames[2 * i + 1]!;
      if (end > plain.byteLength) throw new Error('a frame reaches past the chunks it was sent in');
      digests[i] = frameXxh64(plain.subarray(start, end));
    }
    return { id: request.id, ok: true, length: 0, checksum: null, digests };
  }
  const codec = loadedFrameCodec(request.codec);
  const input = view(request.input);
  if (request.op === 'decompress') {
    let stored: Uint8Array = input;
    if (request.sealed) {
      const opened = openSealedFrame(input, request.sealed);
      if (typeof opened === 'number') {
        return { id: request.id, ok: true, length: 0, checksum: null, failedChunk: opened };
      }
      stored = opened;
    }
    // Taken here, beside the decoding, rather than by the main thread, which writes.
    const storedXxh64 = request.hashStored ? frameXxh64(stored) : undefined;
    try {
      codec.decompress(stored, view(request.output), request.checksum);
    } catch (error) {
      if (error instanceof FrameCorruptError) {
        throw new FrameCorruptError(error.message, storedXxh64);
      }
      throw error;
    }
    return {
      id: request.id,
      ok: true,
      length: request.output.length,
      checksum: null,
      ...(storedXxh64 !== undefined ? { storedXxh64 } : {}),
    };
  }
  // Hashed here, on the thread that compresses the frame, not on the main thread. A frame of
  // zeros (nothing read into it) has a known hash: most of a drive's free space in used mode.
  const hash = request.zeros ? zeroFrameHash(input.byteLength) : frameHash(input);
  // Its own 32 bytes, so that posting it copies nothing else.
  const hashCopy = new Uint8Array(hash);
  const base = request.base ? compareWithBase(request.codec, input, hash, request.base) : undefined;
  if (base?.outcome === 'reused') {
    return {
      id: request.id,
      ok: true,
      length: 0,
      checksum: request.base!.checksum,
      hash: hashCopy,
      storedXxh64: base.storedXxh64,
      base: 'reused',
    };
  }
  const bound = codec.bound(input.byteLength);
  const fits = bound <= request.output.length;
  const overflow = fits ? null : new Uint8Array(bound);
  const output = overflow ?? view(request.output);
  const { length, checksum } = codec.compress(input, request.level, output);
  return {
    id: request.id,
    ok: true,
    length,
    checksum,
    hash: hashCopy,
    // The stored bytes' XXH64 while they are in this core's cache (the image writer needs it).
    storedXxh64: frameXxh64(output.subarray(0, length)),
    ...(overflow ? { overflow } : {}),
    ...(base ? { base: base.outcome } : {}),
  };
}

/** Memory to open a sealed frame's chunks into, kept for the thread's life. */
let unsealed = new Uint8Array(0);

/**
 * Opens the age chunks in `sealed` (each authenticated before any of its bytes is used) and
 * returns the frame they hold, or the number of the first chunk that does not authenticate.
 * Opened here, on the thread that decodes the frame, the plaintext never crosses threads.
 */
function openSealedFrame(sealed: Uint8Array, frame: SealedFrame): Uint8Array | number {
  const plain = openSealed(sealed, frame.key, frame.firstChunk, frame.lastChunk);
  if (typeof plain === 'number') return plain;
  if (frame.skip + frame.length > plain.byteLength) {
    throw new Error('a sealed frame reaches past the chunks it was sent in');
  }
  return plain.subarray(frame.skip, frame.skip + frame.length);
}

/** The chunks in `sealed` opened into this thread's memory, or the first that fails. */
function openSealed(
  sealed: Uint8Array,
  key: Uint8Array,
  firstChunk: number,
  lastChunk: number,
): Uint8Array | number {
  const chunks = Math.ceil(sealed.byteLength / SEALED_CHUNK_SIZE);
  const plainLength = sealed.byteLength - chunks * TAG_SIZE;
  if (unsealed.byteLength < plainLength) unsealed = new Uint8Array(plainLength);
  const plain = unsealed.subarray(0, plainLength);
  return openChunks(key, firstChunk, lastChunk, sealed, plain) ?? plain;
}

/** The strong hash of a frame of `size` zeros, computed once per size. */
const zeroHashes = new Map<number, Buffer>();
function zeroFrameHash(size: number): Buffer {
  let hash = zeroHashes.get(size);
  if (!hash) {
    hash = frameHash(new Uint8Array(size));
    zeroHashes.set(size, hash);
  }
  return hash;
}

/** A frame's worth of memory to decode base frames into, kept for the thread's life. */
let scratch = new Uint8Array(0);

/**
 * Whether the base's frame can stand for this one. Equal hashes make it a candidate. Its stored
 * bytes are then checked against the XXH64 the base recorded for them (bound to the image by
 * its storedFramesDigest), or, in images without that list, decoded (its codec checks its own
 * checksum and the index's) and compared byte for byte. Either way a damaged base frame is
 * caught here and the frame is compressed anew. Hashing the stored bytes costs next to
 * nothing; decoding, a fraction of compressing. A reused frame comes with its stored bytes'
 * XXH64, which the new image records too.
 */
function compareWithBase(
  codecName: CodecName,
  input: Uint8Array,
  hash: Buffer,
  base: BaseFrameRef,
): { outcome: 'reused'; storedXxh64: bigint } | { outcome: 'damaged' | 'changed' } {
  if (!hash.equals(base.hash)) return { outcome: 'changed' };
  const stored = view(base.stored);
  const storedXxh64 = frameXxh64(stored);
  // The very bytes the base's backup wrote for a frame of this hash: nothing to decode.
  if (base.storedXxh64 !== undefined) {
    return storedXxh64 === base.storedXxh64
      ? { outcome: 'reused', storedXxh64 }
      : { outcome: 'damaged' };
  }
  if (scratch.byteLength < input.byteLength) scratch = new Uint8Array(input.byteLength);
  const decoded = scratch.subarray(0, input.byteLength);
  try {
    loadedFrameCodec(codecName).decompress(stored, decoded, base.checksum);
  } catch (error) {
    if (error instanceof FrameCorruptError) return { outcome: 'damaged' };
    throw error;
  }
  return Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).equals(input)
    ? { outcome: 'reused', storedXxh64 }
    : { outcome: 'damaged' };
}

// Messages are handled one per turn of this thread's event loop, not straight from the
// 'message' event: Node hands over every queued message in one go, and with DEPTH jobs always
// queued the loop seldom turned, so what native code frees from the loop (the buffers
// lz4-napi returns, once collected) waited: measured, 256 frames through the pool peaked at
// 817 MiB of RSS instead of 308.
const inbox: WorkerMessage[] = [];
let turnScheduled = false;

port.on('message', (message: WorkerMessage) => {
  inbox.push(message);
  scheduleTurn();
});

function scheduleTurn(): void {
  if (turnScheduled || inbox.length === 0) return;
  turnScheduled = true;
  setImmediate(() => {
    const message = inbox.shift()!;
    const take = () => {
      turnScheduled = false;
      handle(message);
      scheduleTurn();
    };
    // The first job of a codec waits for its module; the jobs behind it keep their order.
    const loading = codecToLoad(message);
    if (loading) void loading.then(take);
    else take();
  });
}

/** The load a job must wait for: its codec's, the first time. A load that fails is reported
 *  by the job itself (loadedFrameCodec throws why, and the job is answered with it). */
function codecToLoad(message: WorkerMessage): Promise<unknown> | null {
  if (!('codec' in message) || frameCodecSettled(message.codec)) return null;
  return frameCodec(message.codec).catch(() => {});
}

function handle(message: WorkerMessage): void {
  if (message.op === 'attach') {
    arenas.attach(message);
    return;
  }
  if (message.op === 'detach') {
    arenas.detach(message.arena);
    return;
  }
  if (message.op === 'quit') {
    // Nothing else keeps this thread's event loop alive: with the port closed, it ends.
    inbox.length = 0;
    port.close();
    return;
  }
  let reply: CodecReply;
  if (Atomics.load(stop, 0) === 1) {
    port.postMessage({ id: message.id, ok: false, corrupt: false, message: 'codec pool closed' });
    return;
  }
  try {
    reply = run(message);
  } catch (error) {
    const corrupt = error instanceof FrameCorruptError;
    reply = {
      id: message.id,
      ok: false,
      corrupt,
      message: (error as Error).message,
      ...(corrupt && error.storedXxh64 !== undefined ? { storedXxh64: error.storedXxh64 } : {}),
    };
  }
  port.postMessage(reply, reply.ok && reply.overflow ? [reply.overflow.buffer as ArrayBuffer] : []);
}
