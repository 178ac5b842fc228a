// The privileged helper process: `node helper-main.js SOCKET`. The one-time secret arrives as
// the first line of stdin, which then stays open as the lifeline: when the parent dies the
// pipe closes and the helper cancels its jobs (they remove their partial files) and exits.
// It connects back to the host's socket, says hello with the secret, then runs what it is
// asked to on the engine.

import { rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { toErrorInfo } from '../engine/errors.js';
import { answerQuestion, runJobRequest } from '../api/job-requests.js';
import { cleanUpDeadRuns } from '../engine/spill/spill-dir.js';
import { HostMessageSchema, type HelperMessage } from './helper-protocol.js';
import { readJsonLines, writeJsonLine } from './line-socket.js';

/** How long running jobs get to clean up after the parent went away. */
const CLEANUP_GRACE_MS = 10_000;

async function readSecret(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line.trim();
  }
  throw new Error('no secret on stdin');
}

async function main(): Promise<void> {
  const socketPath = process.argv[2];
  if (!socketPath) throw new Error('usage: helper-main SOCKET');
  const secret = await readSecret();
  const jobs = new Map<string, AbortController>();
  let ending = false;

  const socket = createConnection(socketPath);
  const send = (message: HelperMessage) => writeJsonLine(socket, message);

  function end(code: number): void {
    if (ending) return;
    ending = true;
    // A parent that was killed cannot remove its socket folder: the helper does.
    const folder = dirname(socketPath!);
    if (basename(folder).startsWith('spillway-helper-')) {
      rmSync(folder, { recursive: true, force: true });
    }
    for (const job of jobs.values()) job.abort();
    if (jobs.size === 0) process.exit(code);
    setTimeout(() => process.exit(code), CLEANUP_GRACE_MS).unref();
  }
  // The lifeline: stdin ends when the parent process is gone, however it died.
  process.stdin.on('end', () => end(0));
  process.stdin.on('close', () => end(0));
  process.stdin.resume();
  socket.on('close', () => end(0));
  socket.on('error', () => end(1));

  socket.on('connect', () => {
    send({ type: 'hello', secret, pid: process.pid });
    // Spill folders of helpers that were killed are root's in a sticky temp folder: the
    // unprivileged app cannot remove them, the next helper does (they name their owner).
    void cleanUpDeadRuns(tmpdir()).catch(() => {});
  });
  readJsonLines(socket, (raw) => {
    const parsed = HostMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case 'welcome':
        return;
      case 'refused':
        return end(1);
      case 'cancel':
        jobs.get(message.jobId)?.abort();
        return;
      case 'ask': {
        answerQuestion(message.question).then(
          (result) => send({ type: 'reply', id: message.id, ok: true, result }),
          (error: unknown) =>
            send({ type: 'reply', id: message.id, ok: false, error: toErrorInfo(error) }),
        );
        return;
      }
      case 'start': {
        const { jobId } = message;
        if (jobs.has(jobId) || ending) return;
        const controller = new AbortController();
        jobs.set(jobId, controller);
        runJobRequest(message.job, {
          signal: controller.signal,
          emit: (event) => send({ type: 'event', jobId, event }),
        })
          .catch(() => {}) // reported as an 'error' event already
          .finally(() => {
            jobs.delete(jobId);
            send({ type: 'job-ended', jobId });
            if (ending && jobs.size === 0) process.exit(0);
          });
        return;
      }
    }
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`spillway helper: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
