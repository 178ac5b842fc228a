// Worker thread entry for age payload chunks: seals or opens one batch of chunks per message
// (sealing/payload-chunks.ts), between slots of the shared arenas it was given. It
// imports node:crypto and nothing native: it starts in milliseconds, where a codec worker
// loads every codec's and digest's native module (measured: about 0.3 CPU s per thread).

import { parentPort } from 'node:worker_threads';
import { openChunks, sealChunks } from '../sealing/payload-chunks.js';
import type { CodecReply, CodecRequest, WorkerMessage } from './codec-messages.js';
import { WorkerArenas } from './worker-arenas.js';

if (!parentPort) throw new Error('chunk-worker must run as a worker thread');
const port = parentPort;
const arenas = new WorkerArenas();

function run(request: CodecRequest): CodecReply {
  if (request.op === 'hash-sealed') throw new Error('a chunk worker does not hash frames');
  const input = arenas.view(request.input);
  const output = arenas.view(request.output);
  if (request.op === 'seal') {
    const length = sealChunks(request.key, request.firstChunk, input, request.endsPayload, output);
    return { id: request.id, ok: true, length, checksum: null };
  }
  if (request.op === 'open') {
    const failedChunk = openChunks(
      request.key,
      request.firstChunk,
      request.lastChunk,
      input,
      output,
    );
    return { id: request.id, ok: true, length: output.byteLength, checksum: null, failedChunk };
  }
  throw new Error(`a chunk worker does not ${request.op}`);
}

port.on('message', (message: WorkerMessage) => {
  if (message.op === 'attach') return arenas.attach(message);
  if (message.op === 'detach') return arenas.detach(message.arena);
  if (message.op === 'quit') return port.close();
  let reply: CodecReply;
  try {
    reply = run(message);
  } catch (error) {
    reply = { id: message.id, ok: false, corrupt: false, message: (error as Error).message };
  }
  port.postMessage(reply);
});
