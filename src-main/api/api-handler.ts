// Answers API calls, whatever the transport (the Electron window's IPC, a browser's
// WebSocket): drives are listed and classified here; jobs and the questions that read drives
// or images go to the runner (the privileged helper, or this process); history and settings
// come from the user's data folder. One handler per connected UI: its jobs' events go to
// its `send`, and a UI that goes away cancels the jobs it started.

import { randomUUID } from 'node:crypto';
import {
  RequestSchema,
  type Call,
  type JobMessage,
  type MessageLink,
  type Response,
} from '../../src-shared/api.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import type { DoneEvent, ErrorEvent, JobEvent } from '../../src-shared/protocol/events.js';
import { silentLogger, type Logger } from '../log/logger.js';

type EndEvent = DoneEvent | ErrorEvent;
import { classifyDrives } from '../drives/classify-drives.js';
import { listDrives } from '../drives/list-drives.js';
import { SpillwayError, toErrorInfo } from '../engine/index.js';
import { imageExists } from '../files/image-exists.js';
import { historyEntry } from '../store/history-entry.js';
import { imageRecords } from '../store/image-records.js';
import type { HistoryStore } from '../store/history-store.js';
import type { SettingsStore } from '../store/settings-store.js';
import type { JobRequest } from './job-requests.js';
import type { JobRunner } from './job-runner.js';

/** What every connection shares: where jobs run, the history, the settings. */
export interface ApiBackend {
  runner: JobRunner;
  history: HistoryStore;
  settings: SettingsStore;
  /** Opens the system's file manager at a file (the desktop app only). */
  reveal?: (path: string) => void;
  /** The app's log (in the data folder); unexpected errors say where it is. */
  log?: Logger;
}

/** An unexpected error, with where its details are when there is a log file. */
function withLogHint(info: ErrorInfo, log: Logger): ErrorInfo {
  if (info.code !== 'internal' || log.file === null) return info;
  return { ...info, facts: { ...info.facts, log: log.file }, remedy: 'read-log' };
}

export interface ApiHandler {
  /** One raw message in (already parsed from JSON, or a structured clone), its response out. */
  handle(raw: unknown): Promise<Response>;
  /** Cancels every job this handler started (the client went away). */
  cancelAll(): void;
}

export function createApiHandler(
  backend: ApiBackend,
  send: (message: JobMessage) => void,
): ApiHandler {
  const jobs = new Set<string>();
  const log = backend.log ?? silentLogger;

  /** The job's end: into the history (or, failing that, a warning saying so), then sent. */
  const ended = async (jobId: string, request: JobRequest, startedAt: number, event: EndEvent) => {
    if (event.type === 'error') {
      log.warn(`${request.kind} ${jobId} failed: ${event.error.message}`);
      event = { ...event, error: withLogHint(event.error, log) };
    } else log.info(`${request.kind} ${jobId} done`);
    try {
      // History first, so a UI that lists it on 'done' finds the entry.
      await backend.history.add(historyEntry(jobId, request, startedAt, event));
    } catch (error) {
      log.error(`could not add ${request.kind} ${jobId} to the history`, error);
      const where = log.file !== null ? ` The details are in ${log.file}.` : '';
      send({
        jobId,
        event: {
          type: 'warning',
          t: Date.now(),
          job: event.job,
          message:
            `This ${request.kind} could not be added to the history, so it will not be listed ` +
            `under Images: ${toErrorInfo(error).message}${where}`,
        },
      });
    }
    send({ jobId, event });
  };

  const startJob = async (request: JobRequest) => {
    const jobId = randomUUID();
    const startedAt = Date.now();
    jobs.add(jobId);
    log.info(`${request.kind} ${jobId} starting`);
    const started = backend.runner.start(jobId, request, (event: JobEvent) => {
      if (event.type === 'done' || event.type === 'error') {
        jobs.delete(jobId);
        void ended(jobId, request, startedAt, event);
        return;
      }
      send({ jobId, event });
    });
    // The helper may fail to start (the password prompt was cancelled): no job then.
    await started.catch((error: unknown) => {
      jobs.delete(jobId);
      log.warn(`${request.kind} ${jobId} could not start`, error);
      throw error;
    });
    return { jobId };
  };

  const call = async (request: Call): Promise<unknown> => {
    switch (request.method) {
      case 'listDrives': {
        const all = request.params.all ?? (await backend.settings.get()).showAllDevices;
        return classifyDrives(await listDrives({ all }), request.params.paths ?? []);
      }
      case 'planBackup':
      case 'inspectImage':
      case 'planRestore':
      case 'planClone':
      case 'sampleCompression':
      case 'checkDestination':
      case 'listFolder':
      case 'listPartitions':
      case 'listImageFolder':
      case 'findInImage':
        return backend.runner.ask(request);
      case 'deleteImage': {
        // Only images this app made (the history says so): the helper deletes as root.
        const made = (await backend.history.list()).some(
          (entry) =>
            entry.kind === 'backup' &&
            entry.outcome === 'done' &&
            entry.destination === request.params.image,
        );
        if (!made) {
          throw new SpillwayError('usage', 'Only images Spillway made and lists can be deleted.');
        }
        return backend.runner.ask(request);
      }
      case 'startBackup': {
        const { spillDir } = await backend.settings.get();
        const params = {
          ...request.params,
          ...(request.params.spillDir === undefined && spillDir !== null ? { spillDir } : {}),
        };
        return startJob({ kind: 'backup', params });
      }
      case 'startRestore':
        return startJob({ kind: 'restore', params: request.params });
      case 'startClone':
        return startJob({ kind: 'clone', params: request.params });
      case 'startVerify':
        return startJob({ kind: 'verify', params: request.params });
      case 'startExtract':
        return startJob({ kind: 'extract', params: request.params });
      case 'cancel': {
        if (!backend.runner.cancel(request.params.jobId)) {
          throw new SpillwayError('not-found', 'There is no such job running.');
        }
        return { cancelled: true };
      }
      case 'ejectDrive': {
        // Only a drive the list shows, and never the one the computer runs from.
        const drive = (await listDrives({ all: true })).find((d) => d.path === request.params.path);
        if (!drive) throw new SpillwayError('not-found', `${request.params.path} is not a drive.`);
        if (drive.system) {
          throw new SpillwayError('usage', 'The drive this computer runs from cannot be ejected.');
        }
        return backend.runner.ask({
          method: 'ejectDrive',
          params: { path: drive.path, virtual: drive.virtual },
        });
      }
      case 'revealInFolder': {
        if (!backend.reveal) {
          throw new SpillwayError('usage', 'Only the desktop app can open a folder window.');
        }
        backend.reveal(request.params.path);
        return { shown: true };
      }
      case 'listHistory':
        return backend.history.list();
      case 'listImages': {
        const records = imageRecords(await backend.history.list());
        return Promise.all(records.map(async (r) => ({ ...r, exists: await imageExists(r.path) })));
      }
      case 'getSettings':
        return backend.settings.get();
      case 'updateSettings':
        return backend.settings.update(request.params);
    }
  };

  return {
    async handle(raw) {
      // Answer under the caller's id even when the rest of the request is wrong.
      const claimed = (raw as { id?: unknown } | null)?.id;
      const id = typeof claimed === 'number' && Number.isSafeInteger(claimed) ? claimed : 0;
      const request = RequestSchema.safeParse(raw);
      if (!request.success) {
        return { id, ok: false, error: { code: 'usage', message: 'The request is not valid.' } };
      }
      try {
        return { id, ok: true, result: await call(request.data.call) };
      } catch (error) {
        const info = toErrorInfo(error);
        if (info.code === 'internal') log.error(`${request.data.call.method} failed`, error);
        return { id, ok: false, error: withLogHint(info, log) };
      }
    },
    cancelAll() {
      for (const jobId of jobs) backend.runner.cancel(jobId);
    },
  };
}

/** Serves the API on one link until the returned function is called (the link closed). */
export function serveApi(backend: ApiBackend, link: MessageLink): () => void {
  let open = true;
  const handler = createApiHandler(backend, (message) => {
    if (open) link.send(message);
  });
  const stop = link.onMessage((raw) => {
    void handler.handle(raw).then((response) => {
      if (open) link.send(response);
    });
  });
  return () => {
    open = false;
    stop();
    handler.cancelAll();
  };
}
