// The main process's end of the helper: a socket in a folder only this user can open, a
// one-time secret handed to the helper on its stdin, and refusal of every client but the
// first one that presents it. Jobs are started and cancelled here and their events passed
// on; if the helper dies mid-job, each running job ends with an error event once its
// partial image and spill folder are removed.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { ErrorInfo } from '../../src-shared/errors.js';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import { errorFromInfo, SpillwayError } from '../engine/errors.js';
import type { HelperCommand } from './elevation.js';
import type { JobRequest, Question } from '../jobs/job-requests.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { HelperMessageSchema, type HostMessage } from './helper-protocol.js';
import { readJsonLines, writeJsonLine } from './line-socket.js';
import { watchPartialFiles, type PartialFileWatch } from './partial-files.js';
import { silentLogger, type Logger } from '../log/logger.js';

/** How long the helper has to connect and authenticate (a password prompt included). */
const CONNECT_TIMEOUT_MS = 120_000;
/** How long any client has to say hello before it is dropped. */
const HELLO_TIMEOUT_MS = 5_000;

interface RunningJob {
  kind: JobRequest['kind'];
  onEvent(event: JobEvent): void;
  partial: PartialFileWatch | null;
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface HelperHostOptions {
  /** How to start the helper, given the socket path (see elevation.ts). */
  command(socketPath: string): HelperCommand;
  connectTimeoutMs?: number;
  /** The app's log: the host's entries, the helper's (sent over the socket) and its stderr. */
  log?: Logger;
}

export class HelperHost implements JobRunner {
  /** Clients refused so far (tests and logs). */
  refusals = 0;
  private readonly jobs = new Map<string, RunningJob>();
  private readonly calls = new Map<
    number,
    { resolve(v: unknown): void; reject(e: unknown): void }
  >();
  private nextCall = 1;
  private gone: string | null = null;
  /** close() was called: the helper's exit is expected. */
  private closing = false;
  private readonly exitListeners = new Set<(reason: string) => void>();

  private constructor(
    readonly socketPath: string,
    private readonly dir: string,
    private readonly server: Server,
    private readonly child: ChildProcess,
    private readonly socket: Socket,
    /** The helper's own pid (the child may be pkexec in between). */
    readonly pid: number,
    private readonly log: Logger,
  ) {
    readJsonLines(socket, (raw) => this.receive(raw));
    // Jobs are ended only once the process is reaped: a spill folder is recognised as dead
    // by its owner's pid, which a zombie still holds.
    socket.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      void this.lost(signal ? `it was stopped (${signal})` : `it exited (code ${code})`);
    });
  }

  static async start(options: HelperHostOptions): Promise<HelperHost> {
    const dir = await mkdtemp(join(tmpdir(), 'spillway-helper-')); // mode 0700: only us
    const socketPath = join(dir, 'helper.sock');
    const secret = randomBytes(32).toString('hex');
    const log = options.log ?? silentLogger;
    log.keepSecret(secret);
    const server = createServer();
    let host: HelperHost | null = null;
    let refusals = 0;
    let authenticated = false;

    const helperSocket = new Promise<{ socket: Socket; pid: number }>((resolve) => {
      server.on('connection', (socket) => {
        const refuse = (reason: string) => {
          refusals++;
          log.warn(`refused a client of the helper's socket: ${reason}`);
          if (host) host.refusals = refusals;
          writeJsonLine(socket, { type: 'refused', reason } satisfies HostMessage);
          socket.end();
          setTimeout(() => socket.destroy(), 1000).unref();
        };
        if (host || authenticated) return refuse('the helper is already connected');
        const timer = setTimeout(() => refuse('no hello'), HELLO_TIMEOUT_MS);
        let first = true;
        readJsonLines(socket, (raw) => {
          if (!first) return;
          first = false;
          clearTimeout(timer);
          const hello = HelperMessageSchema.safeParse(raw);
          if (
            authenticated ||
            !hello.success ||
            hello.data.type !== 'hello' ||
            !sameSecret(hello.data.secret, secret)
          ) {
            return refuse(authenticated ? 'the helper is already connected' : 'wrong secret');
          }
          authenticated = true;
          socket.removeAllListeners('data');
          resolve({ socket, pid: hello.data.pid });
        });
        // A client that goes away mid-hello: nothing of it is kept, nothing to do.
        socket.on('error', () => {});
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });

    const command = options.command(socketPath);
    log.info(`starting the helper: ${command.file} ${command.args.join(' ')}`);
    const child = spawn(command.file, command.args, {
      stdio: ['pipe', 'inherit', 'pipe'],
      env: { ...process.env, ...command.env },
    });
    // What the helper (or pkexec) says on stderr still reaches the terminal, and the log
    // keeps it: a crash's last words are there.
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    createInterface({ input: child.stderr! }).on('line', (line) =>
      log.warn(`helper stderr: ${line}`),
    );
    // The secret goes over the pipe (never argv or the environment, which others can read);
    // the pipe then stays open as the helper's lifeline.
    child.stdin!.write(secret + '\n');
    // EPIPE when the helper is gone: its exit is noticed and reported by 'exit' below.
    child.stdin!.on('error', () => {});

    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(new SpillwayError('internal', `Could not start the helper: ${error.message}`)),
      );
      child.once('exit', (code) =>
        reject(
          new SpillwayError('permission-denied', `The helper did not start (exit code ${code}).`, {
            remedy: 'run-as-admin',
          }),
        ),
      );
      setTimeout(
        () => reject(new SpillwayError('internal', 'The helper did not connect in time.')),
        options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      ).unref();
    });
    try {
      const { socket, pid } = await Promise.race([helperSocket, failed]);
      host = new HelperHost(socketPath, dir, server, child, socket, pid, log);
      host.refusals = refusals;
      log.info(`the helper (pid ${pid}) is connected`);
      writeJsonLine(socket, { type: 'welcome' } satisfies HostMessage);
      return host;
    } catch (error) {
      log.warn('the helper did not start', error);
      child.kill('SIGKILL');
      server.close();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get alive(): boolean {
    return this.gone === null;
  }

  onExit(listener: (reason: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  async start(jobId: string, job: JobRequest, onEvent: (event: JobEvent) => void) {
    if (this.gone !== null)
      throw new SpillwayError('internal', `The helper is gone: ${this.gone}.`);
    const partial = job.kind === 'backup' ? await watchPartialFiles(job.params) : null;
    this.jobs.set(jobId, { kind: job.kind, onEvent, partial });
    this.send({ type: 'start', jobId, job });
  }

  cancel(jobId: string): boolean {
    if (!this.jobs.has(jobId)) return false;
    this.send({ type: 'cancel', jobId });
    return true;
  }

  ask(question: Question): Promise<unknown> {
    if (this.gone !== null) {
      return Promise.reject(new SpillwayError('internal', `The helper is gone: ${this.gone}.`));
    }
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      // The API client validates the answer against its method's result schema.
      this.calls.set(id, { resolve, reject });
      this.send({ type: 'ask', id, question });
    });
  }

  /** It runs already: asking it prompts for nothing. */
  runsWithoutPrompt(): boolean {
    return this.gone === null;
  }

  /** Stops the helper (its jobs are cancelled and clean up) and removes the socket folder. */
  async close(): Promise<void> {
    if (this.gone !== null) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.exitListeners.add(() => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private send(message: HostMessage): void {
    writeJsonLine(this.socket, message);
  }

  private receive(raw: unknown): void {
    const parsed = HelperMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case 'event':
        this.jobs.get(message.jobId)?.onEvent(message.event);
        return;
      case 'job-ended':
        this.jobs.delete(message.jobId);
        return;
      case 'log':
        this.log.append(message.entry);
        return;
      case 'reply': {
        const call = this.calls.get(message.id);
        this.calls.delete(message.id);
        if (!call) return;
        if (message.ok) call.resolve(message.result);
        else {
          call.reject(errorFromInfo(message.error));
        }
        return;
      }
      case 'hello':
        return;
    }
  }

  /** The helper is gone: every running job ends with an error, after its leftovers go. */
  private async lost(why: string): Promise<void> {
    if (this.gone !== null) return;
    this.gone = why;
    const running = [...this.jobs.values()].map((job) => job.kind);
    if (this.closing) this.log.info(`the helper ended: ${why}`);
    else {
      this.log.error(
        `the helper stopped unexpectedly: ${why}` +
          (running.length > 0 ? `, while running: ${running.join(', ')}` : ''),
      );
    }
    this.socket.destroy();
    this.server.close();
    await rm(this.dir, { recursive: true, force: true });
    for (const call of this.calls.values()) {
      call.reject(new SpillwayError('internal', `The helper stopped: ${why}.`));
    }
    this.calls.clear();
    const jobs = [...this.jobs.entries()];
    this.jobs.clear();
    await Promise.all(
      jobs.map(async ([, job]) => {
        const removed =
          (await job.partial?.cleanUp().catch((error: unknown) => {
            this.log.warn(`could not remove what the ${job.kind} left unfinished`, error);
            return [];
          })) ?? [];
        const error: ErrorInfo = {
          code: 'internal',
          message:
            `The helper process running this ${job.kind} stopped unexpectedly: ${why}.` +
            (removed.length > 0 || job.kind === 'backup'
              ? ' The unfinished image was removed.'
              : ''),
          remedy: 'start-again',
        };
        job.onEvent({ type: 'error', t: Date.now(), job: job.kind, error });
      }),
    );
    for (const listener of this.exitListeners) listener(why);
  }
}
