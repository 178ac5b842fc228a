// Answers API calls, whatever the transport (the Electron window's IPC, a browser's
// WebSocket): drives are listed and classified here; jobs and the questions that read drives
// or images go to the runner (the privileged helper, or this process); history and settings
// come from the user's data folder. One handler per connected UI: its jobs' events go to
// its `send`, and a UI that goes away cancels the jobs it started.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  RequestSchema,
  type Call,
  type JobMessage,
  type MessageLink,
  type Response,
} from '../../src-shared/api.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { CODEC_EXTENSIONS } from '../../src-shared/codec-facts.js';
import type { DriveIdentity, DrivePlan } from '../../src-shared/drive-plan.js';
import { uniqueImageName } from '../../src-shared/image-names.js';
import type { DoneEvent, ErrorEvent, JobEvent } from '../../src-shared/protocol/events.js';
import { silentLogger, type Logger } from '../log/logger.js';

type EndEvent = DoneEvent | ErrorEvent;

/** The size of the volume holding `folder`; 0 when it cannot be told from here. */
async function volumeBytes(folder: string): Promise<number> {
  const fs = await statfs(folder).catch(() => null);
  return fs ? fs.blocks * fs.bsize : 0;
}

/** What a job is beside its request: the listed drive it reads, and its plan when planned. */
interface JobContext {
  drive?: DriveIdentity;
  plan?: DrivePlan;
}
import { classifyDrives } from '../drives/classify-drives.js';
import { listDrives } from '../drives/list-drives.js';
import { SpillwayError, toErrorInfo } from '../engine/index.js';
import { imageExists } from '../files/image-exists.js';
import { ImageSharing } from '../files/image-sharing.js';
import { historyEntry } from '../jobs/history-entry.js';
import { imageRecords } from '../store/image-records.js';
import type { HistoryStore } from '../store/history-store.js';
import type { PlanStore } from '../store/plan-store.js';
import { afterPlannedBackup } from '../plans/after-backup.js';
import { keptImages, lastVerifiedImage } from '../plans/drive-images.js';
import { spaceNote } from '../plans/space-note.js';
import { destinationReserve } from '../engine/backup/destination-space.js';
import { statfs } from 'node:fs/promises';
import type { DestinationCheck, FolderListing } from '../../src-shared/api.js';
import type { SettingsStore } from '../store/settings-store.js';
import type { JobRequest } from '../jobs/job-requests.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { appMountsOf } from './app-mounts.js';

/** What every connection shares: where jobs run, the history, the settings. */
export interface ApiBackend {
  runner: JobRunner;
  history: HistoryStore;
  settings: SettingsStore;
  /** The plans per drive. */
  plans: PlanStore;
  /** What the listed images' manifests say (their drive, what each shares with the one
   *  before), kept between listings; default: kept per connection. */
  images?: ImageSharing;
  /** Opens the system's file manager at a file (the desktop app only). */
  reveal?: (path: string) => void;
  /** Opens a folder in the system's file manager (the desktop app only); resolves to an
   *  error's words, or '' when it opened. */
  openFolder?: (path: string) => Promise<string>;
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
  /** A job's id in the runner when it is not the job's own (a planned backup's verify). */
  const runnerIds = new Map<string, string>();
  const runnerId = (jobId: string) => runnerIds.get(jobId) ?? jobId;
  const log = backend.log ?? silentLogger;
  const images = backend.images ?? new ImageSharing();

  /** The job's end: into the history (or, failing that, a warning saying so), then sent. */
  const ended = async (
    jobId: string,
    request: JobRequest,
    startedAt: number,
    event: EndEvent,
    context: JobContext,
  ) => {
    if (event.type === 'error') {
      log.warn(`${request.kind} ${jobId} failed: ${event.error.message}`);
      event = { ...event, error: withLogHint(event.error, log) };
    } else log.info(`${request.kind} ${jobId} done`);
    let entries = [
      {
        ...historyEntry(jobId, request, startedAt, event),
        ...(context.drive ? { drive: context.drive } : {}),
      },
    ];
    if (context.plan && event.type === 'done' && event.result.kind === 'backup') {
      const after = await afterPlannedBackup(
        entries[0]!,
        { ...event, result: event.result },
        {
          runner: backend.runner,
          history: backend.history,
          plan: context.plan,
          send: (e) => send({ jobId, event: e }),
          running: (id) => (id === null ? runnerIds.delete(jobId) : runnerIds.set(jobId, id)),
        },
      );
      entries = after.entries;
      event = after.done;
      const deleted = entries[0]!.deleted ?? [];
      if (deleted.length > 0) log.info(`backup ${jobId}: deleted ${deleted.join(', ')}`);
    }
    jobs.delete(jobId);
    try {
      // History first, so a UI that lists it on 'done' finds the entry.
      for (const entry of entries) await backend.history.add(entry);
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

  const startJob = async (request: JobRequest, context: JobContext = {}) => {
    const jobId = randomUUID();
    const startedAt = Date.now();
    jobs.add(jobId);
    log.info(`${request.kind} ${jobId} starting`);
    const started = backend.runner.start(jobId, request, (event: JobEvent) => {
      if (event.type === 'done' || event.type === 'error') {
        void ended(jobId, request, startedAt, event, context);
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

  /** "Back up now": the drive's plan, from its last verified image when there is one. */
  const backUpNow = async (path: string) => {
    const drive = (await listDrives({ all: true })).find((d) => d.path === path);
    if (!drive) throw new SpillwayError('not-found', `${path} is not a drive.`);
    const plan = await backend.plans.get(drive.identity);
    if (!plan) {
      throw new SpillwayError('not-found', `There are no remembered settings for ${path}.`);
    }
    const records = imageRecords(await backend.history.list());
    const present = await Promise.all(
      records.map(async (r) => ({ ...r, exists: await imageExists(r.path) })),
    );
    const base = lastVerifiedImage(present, drive.identity);
    // The folder is read by the helper: it may hold images written as root.
    const listing = (await backend.runner.ask({
      method: 'listFolder',
      params: { path: plan.destination },
    })) as FolderListing;
    const name = uniqueImageName(
      drive.path,
      CODEC_EXTENSIONS[plan.codec],
      new Date(),
      new Set(listing.entries.map((e) => e.name)),
      drive.description,
    );
    const image = join(plan.destination, name);
    // Room for an image like the last one (measured before this one writes)? If not, say so,
    // and what keeping the last N will free once the new one verified.
    const check = (await backend.runner
      .ask({ method: 'checkDestination', params: { folder: plan.destination } })
      // A folder that cannot be checked gets no note: the backup's own checks say why.
      .catch(() => null)) as DestinationCheck | null;
    const note =
      check?.usable === true
        ? spaceNote({
            folder: plan.destination,
            free: check.free,
            reserve: destinationReserve(await volumeBytes(plan.destination)),
            images: keptImages(present, drive.identity),
            keep: plan.keep,
          })
        : null;
    const { spillDir } = await backend.settings.get();
    const started = await startJob(
      {
        kind: 'backup',
        params: {
          source: drive.path,
          destination: image,
          codec: plan.codec,
          level: plan.level,
          mode: plan.mode,
          ...(base !== null ? { base } : {}),
          ...(spillDir !== null ? { spillDir } : {}),
        },
      },
      { drive: drive.identity, plan },
    );
    if (note !== null && jobs.has(started.jobId)) {
      send({
        jobId: started.jobId,
        event: { type: 'warning', t: Date.now(), job: 'backup', message: note },
      });
    }
    return { ...started, image, base };
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
        // A listed drive's images are found again by what the drive is known by.
        const drive = request.params.source.startsWith('/dev/')
          ? (await listDrives({ all: true })).find((d) => d.path === request.params.source)
          : undefined;
        return startJob({ kind: 'backup', params }, drive ? { drive: drive.identity } : {});
      }
      case 'backUpNow':
        return backUpNow(request.params.path);
      case 'listPlans':
        return backend.plans.list();
      case 'getPlan':
        return backend.plans.get(request.params.drive);
      case 'savePlan':
        await backend.plans.put(request.params);
        return request.params;
      case 'deletePlan': {
        const had = (await backend.plans.get(request.params.drive)) !== null;
        await backend.plans.remove(request.params.drive);
        return { deleted: had };
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
        if (!backend.runner.cancel(runnerId(request.params.jobId))) {
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
      case 'mountImage':
        return appMountsOf(backend).mount(request.params.image, request.params.key);
      case 'unmountImage':
        return appMountsOf(backend).unmount(request.params.folder);
      case 'listMounts':
        return appMountsOf(backend).list();
      case 'openMountFolder': {
        const folder = appMountsOf(backend).ownFolder(request.params.folder);
        if (!backend.openFolder) {
          throw new SpillwayError('usage', 'Only the desktop app can open a folder window.');
        }
        const failed = await backend.openFolder(folder);
        if (failed) {
          throw new SpillwayError('internal', `The file manager did not open: ${failed}`, {
            facts: { folder },
          });
        }
        return { opened: true };
      }
      case 'listHistory':
        return backend.history.list();
      case 'listImages': {
        const records = imageRecords(await backend.history.list());
        const present = await Promise.all(
          records.map(async (r) => ({ ...r, exists: await imageExists(r.path) })),
        );
        return images.annotate(present);
      }
      case 'getSettings':
        return backend.settings.get();
      case 'getAccess':
        return { passwordPrompt: !backend.runner.runsWithoutPrompt() };
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
      // A passphrase typed in the UI is never written to the log, whatever line it turns up in.
      const secret = passphraseIn(request.data.call);
      if (secret !== null) log.keepSecret(secret);
      try {
        return { id, ok: true, result: await call(request.data.call) };
      } catch (error) {
        const info = toErrorInfo(error);
        if (info.code === 'internal') log.error(`${request.data.call.method} failed`, error);
        return { id, ok: false, error: withLogHint(info, log) };
      }
    },
    cancelAll() {
      for (const jobId of jobs) backend.runner.cancel(runnerId(jobId));
    },
  };
}

/** The passphrase a call carries (to encrypt a backup or open an image), if any. */
function passphraseIn(call: Call): string | null {
  const params = call.params as {
    encrypt?: { passphrase?: string };
    key?: { passphrase?: string };
  };
  return params.encrypt?.passphrase ?? params.key?.passphrase ?? null;
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
