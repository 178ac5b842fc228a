// Worker thread entry: compresses or decompresses one frame per message, between slots of
// the shared arenas it was given.

import { parentPort, workerData } from 'node:worker_threads';
import type { CodecName } from '../../../src-shared/manifest.js';
import { FrameCorruptError } from '../codecs/frame-codec.js';
import { frameCodec } from '../codecs/registry.js';
import { frameXxh64 } from '../digest/frame-digests.js';
import { frameHash } from '../digest/frame-hash.js';
import type { BaseFrameRef, CodecReply, CodecRequest, WorkerMessage } from './codec-messages.js';
import { WorkerArenas } from './worker-arenas.js';

if (!parentPort) throw new Error('codec-worker must run as a worker thread');
const port = parentPort;

/** 1 once the pool is closing: queued jobs are answered without being run. */
const stop = new Int32Array((workerData as { stop: SharedArrayBuffer }).stop);

const arenas = new WorkerArenas();
const view = arenas.view.bind(arenas);

function run(request: CodecRequest): CodecReply {
  if (request.op === 'seal' || request.op === 'open') {
    throw new Error('age chunks are sealed and opened by chunk workers');
  }
  const codec = frameCodec(request.codec);
  const input = view(request.input);
  if (request.op === 'decompress') {
    codec.decompress(input, view(request.output), request.checksum);
    return { id: request.id, ok: true, length: request.output.length, checksum: null };
  }
  // Hashed here, on the thread that compresses the frame, not on the main thread.
  const hash = frameHash(input);
  // Its own 32 bytes, so that posting it copies nothing else.
  const hashCopy = new Uint8Array(hash);
  const base = request.base ? compareWithBase(request.codec, input, hash, request.base) : undefined;
  if (base === 'reused') {
    return {
      id: request.id,
      ok: true,
      length: 0,
      checksum: request.base!.checksum,
      hash: hashCopy,
      base,
    };
  }
  const bound = codec.bound(input.byteLength);
  if (bound <= request.output.length) {
    const { length, checksum } = codec.compress(input, request.level, view(request.output));
    return {
      id: request.id,
      ok: true,
      length,
      checksum,
      hash: hashCopy,
      ...(base ? { base } : {}),
    };
  }
  const overflow = new Uint8Array(bound);
  const { length, checksum } = codec.compress(input, request.level, overflow);
  return {
    id: request.id,
    ok: true,
    length,
    checksum,
    overflow,
    hash: hashCopy,
    ...(base ? { base } : {}),
  };
}

/** A frame's worth of memory to decode base frames into, kept for the thread's life. */
let scratch = new Uint8Array(0);

/**
 * Whether the base's frame can stand for this one. Equal hashes make it a candidate. Its stored
 * bytes are then checked against the XXH64 the base recorded for them (bound to the image by
 * its storedFramesDigest), or, in images without that list, decoded (its codec checks its own
 * checksum and the index's) and compared byte for byte. Either way a damaged base frame is
 * caught here and the frame is compressed anew. Hashing the stored bytes costs next to
 * nothing; decoding, a fraction of compressing.
 */
function compareWithBase(
  codecName: CodecName,
  input: Uint8Array,
  hash: Buffer,
  base: BaseFrameRef,
): 'reused' | 'damaged' | 'changed' {
  if (!hash.equals(base.hash)) return 'changed';
  // The very bytes the base's backup wrote for a frame of this hash: nothing to decode.
  if (base.storedXxh64 !== undefined) {
    return frameXxh64(view(base.stored)) === base.storedXxh64 ? 'reused' : 'damaged';
  }
  if (scratch.byteLength < input.byteLength) scratch = new Uint8Array(input.byteLength);
  const decoded = scratch.subarray(0, input.byteLength);
  try {
    frameCodec(codecName).decompress(view(base.stored), decoded, base.checksum);
  } catch (error) {
    if (error instanceof FrameCorruptError) return 'damaged';
    throw error;
  }
  return Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).equals(input)
    ? 'reused'
    : 'damaged';
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
    turnScheduled = false;
    handle(inbox.shift()!);
    scheduleTurn();
  });
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
    reply = {
      id: message.id,
      ok: false,
      corrupt: error instanceof FrameCorruptError,
      message: (error as Error).message,
    };
  }
  port.postMessage(reply, reply.ok && reply.overflow ? [reply.overflow.buffer as ArrayBuffer] : []);
}
