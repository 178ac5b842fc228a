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
import { answerQuestion, runJobRequest, unmountEverything } from '../jobs/job-requests.js';
import { cleanUpDeadRuns } from '../engine/spill/spill-dir.js';
import { createLogger, type Logger } from '../log/logger.js';
import { HostMessageSchema, MAX_LOG_ENTRY, type HelperMessage } from './helper-protocol.js';
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

/** Entries logged before the host's welcome wait for it, up to this many. */
const EARLY_ENTRIES = 100;

/**
 * The helper's log: it keeps no file of its own (it runs as root; the log is the user's), so
 * its entries go to the host, which keeps them in the app's log. Until the host has welcomed
 * it they wait; what it says on stderr the host keeps too (a crash's last words).
 */
function socketLogger(send: (message: HelperMessage) => void): {
  log: Logger;
  welcomed(): void;
} {
  let early: string[] | null = [];
  const forward = (entry: string) => {
    const capped = entry.length > MAX_LOG_ENTRY ? entry.slice(0, MAX_LOG_ENTRY - 2) + '…\n' : entry;
    if (early === null) send({ type: 'log', entry: capped });
    else if (early.length < EARLY_ENTRIES) early.push(capped);
  };
  const log = createLogger({
    level: 'debug',
    sinks: [{ write: forward }],
    source: `helper ${process.pid}`,
  });
  return {
    log,
    welcomed() {
      const waiting = early ?? [];
      early = null;
      for (const entry of waiting) send({ type: 'log', entry });
    },
  };
}

/** A job that failed: an expected failure in words, anything else with its stack. */
function logJobFailure(log: Logger, what: string, error: unknown): void {
  if (toErrorInfo(error).code === 'internal') log.error(`${what} failed`, error);
  else log.info(`${what} failed: ${toErrorInfo(error).message}`);
}

async function main(): Promise<void> {
  const socketPath = process.argv[2];
  if (!socketPath) throw new Error('usage: helper-main SOCKET');
  const secret = await readSecret();
  const jobs = new Map<string, AbortController>();
  let ending = false;
  /** The mounts made for the UI are undone (only then may the helper exit). */
  let mountsUndone = false;

  const socket = createConnection(socketPath);
  const send = (message: HelperMessage) => writeJsonLine(socket, message);
  const { log, welcomed } = socketLogger(send);
  log.keepSecret(secret);
  log.info(`started (node ${process.version}, uid ${process.getuid?.() ?? 'n/a'})`);
  process.on('uncaughtException', (error) => {
    log.error('uncaught exception', error);
    process.stderr.write(`spillway helper: ${error.stack ?? String(error)}\n`);
    end(1);
  });

  function end(code: number): void {
    if (ending) return;
    ending = true;
    log.info(`ending (code ${code}), ${jobs.size} job(s) running`);
    // A parent that was killed cannot remove its socket folder: the helper does.
    const folder = dirname(socketPath!);
    if (basename(folder).startsWith('spillway-helper-')) {
      rmSync(folder, { recursive: true, force: true });
    }
    for (const job of jobs.values()) job.abort();
    // Images mounted for the UI are undone (and their folders removed) before exiting.
    void unmountEverything()
      .catch((error: unknown) => log.error('could not undo every mount', error))
      .finally(() => {
        mountsUndone = true;
        if (jobs.size === 0) process.exit(code);
      });
    setTimeout(() => process.exit(code), CLEANUP_GRACE_MS).unref();
  }
  // Ctrl-C on `spillway ui`'s terminal reaches the helper too: end as when the parent goes.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => end(0));
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
    void cleanUpDeadRuns(tmpdir()).catch((error: unknown) =>
      log.warn('could not remove the spill folders of helpers that were killed', error),
    );
  });
  readJsonLines(socket, (raw) => {
    const parsed = HostMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case 'welcome':
        welcomed();
        return;
      case 'refused':
        return end(1);
      case 'cancel':
        jobs.get(message.jobId)?.abort();
        return;
      case 'ask': {
        answerQuestion(message.question).then(
          (result) => send({ type: 'reply', id: message.id, ok: true, result }),
          (error: unknown) => {
            logJobFailure(log, message.question.method, error);
            send({ type: 'reply', id: message.id, ok: false, error: toErrorInfo(error) });
          },
        );
        return;
      }
      case 'start': {
        const { jobId } = message;
        if (jobs.has(jobId) || ending) return;
        const controller = new AbortController();
        jobs.set(jobId, controller);
        log.info(`${message.job.kind} ${jobId} started`);
        runJobRequest(message.job, {
          signal: controller.signal,
          emit: (event) => send({ type: 'event', jobId, event }),
          log: log.child(`${message.job.kind} ${jobId}`),
        })
          .then(
            () => log.info(`${message.job.kind} ${jobId} done`),
            // The host has it as an 'error' event already; the log gets its stack.
            (error: unknown) => logJobFailure(log, `${message.job.kind} ${jobId}`, error),
          )
          .finally(() => {
            jobs.delete(jobId);
            send({ type: 'job-ended', jobId });
            if (ending && jobs.size === 0 && mountsUndone) process.exit(0);
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
