// Worker thread entry: takes the stream's digests (frame-digests.ts StreamDigest) over the
// frames it is sent, in order. Hashing 4 GiB with SHA-256 is ~2 s of one core here; on the
// main thread it held up reads, writes and the codec workers' next jobs.

import { parentPort } from 'node:worker_threads';
import type { DigestReply, DigestRequest } from './digest-messages.js';
import { StreamDigest } from './frame-digests.js';

if (!parentPort) throw new Error('digest-worker must run as a worker thread');
const port = parentPort;

let digest = new StreamDigest();

function answer(request: Exclude<DigestRequest, { op: 'quit' }>): DigestReply {
  if (request.op === 'update') {
    digest.update(request.frame, request.zeros);
    return { op: 'updated' };
  }
  const result = digest.result();
  digest = new StreamDigest();
  return { op: 'result', ...result };
}

port.on('message', (request: DigestRequest) => {
  if (request.op === 'quit') {
    port.close();
    return;
  }
  let reply: DigestReply;
  try {
    reply = answer(request);
  } catch (error) {
    reply = { op: 'failed', message: (error as Error).message };
  }
  port.postMessage(reply);
});
