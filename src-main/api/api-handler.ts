// Answers API calls with the engine, whatever the transport (WebSocket today; the Electron
// main process and the privileged helper use the same handler). Jobs run in this process;
// their events go to `send`, tagged with the job's id.

import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import {
  RequestSchema,
  type Call,
  type JobMessage,
  type Response,
  type StartedJob,
} from '../../src-shared/api.js';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import { classifyDrives } from '../drives/classify-drives.js';
import { listDrives } from '../drives/list-drives.js';
import { planBackup } from '../engine/backup/plan-backup.js';
import {
  backup,
  describeTarget,
  inspectImage,
  openImage,
  planRestore,
  restore,
  SpillwayError,
  toErrorInfo,
  verify,
} from '../engine/index.js';

export interface ApiHandler {
  /** One raw message in (JSON text), its response out. */
  handle(text: string): Promise<Response>;
  /** Cancels every job this handler started (the client went away). */
  cancelAll(): void;
}

export function createApiHandler(send: (message: JobMessage) => void): ApiHandler {
  const jobs = new Map<string, AbortController>();

  const startJob = (
    run: (signal: AbortSignal, emit: (e: JobEvent) => void) => Promise<unknown>,
  ) => {
    const jobId = randomUUID();
    const controller = new AbortController();
    jobs.set(jobId, controller);
    const emit = (event: JobEvent) => send({ jobId, event });
    // The job reports its own end (done or error event); the promise only tidies up.
    void run(controller.signal, emit)
      .catch(() => {})
      .finally(() => jobs.delete(jobId));
    return { jobId } satisfies StartedJob;
  };

  const call = async (request: Call): Promise<unknown> => {
    switch (request.method) {
      case 'listDrives':
        return classifyDrives(
          await listDrives({ all: request.params.all ?? false }),
          request.params.paths ?? [],
        );
      case 'planBackup':
        return planBackup(request.params.source);
      case 'inspectImage':
        return inspectImage(request.params.image);
      case 'planRestore': {
        const image = await openImage(request.params.image);
        try {
          return await planRestore(image, await describeTarget(request.params.target));
        } finally {
          await image.input.close();
        }
      }
      case 'startBackup': {
        const { source, destination, ...rest } = request.params;
        return startJob((signal, emit) =>
          backup({ source, destination, ...definedOnly(rest) }, { signal, emit }),
        );
      }
      case 'startRestore': {
        const { image, target, confirmName, readBack } = request.params;
        return startJob((signal, emit) =>
          restore(
            {
              image,
              target,
              ...(readBack !== undefined ? { readBack } : {}),
              // Only what the user typed can confirm: the drive's name, as the plan shows it.
              confirm: async (plan) => confirmName === plan.target.path.replace(/^\/dev\//, ''),
            },
            { signal, emit },
          ),
        );
      }
      case 'startVerify':
        return startJob((signal, emit) =>
          verify({ image: request.params.image }, { signal, emit }),
        );
      case 'cancel': {
        const job = jobs.get(request.params.jobId);
        if (!job) throw new SpillwayError('not-found', 'There is no such job running.');
        job.abort(new Error('cancelled'));
        return { cancelled: true };
      }
    }
  };

  return {
    async handle(text) {
      let id = 0;
      try {
        const raw: unknown = JSON.parse(text);
        // Answer under the caller's id even when the rest of the request is wrong.
        const claimed = (raw as { id?: unknown } | null)?.id;
        if (typeof claimed === 'number' && Number.isInteger(claimed)) id = claimed;
        const request = RequestSchema.parse(raw);
        id = request.id;
        return { id, ok: true, result: await call(request.call) };
      } catch (error) {
        if (error instanceof SyntaxError || error instanceof ZodError) {
          return { id, ok: false, error: { code: 'usage', message: 'The request is not valid.' } };
        }
        return { id, ok: false, error: toErrorInfo(error) };
      }
    },
    cancelAll() {
      for (const job of jobs.values()) job.abort(new Error('the client went away'));
    },
  };
}

/** Drops undefined fields (exactOptionalPropertyTypes: absent, not undefined). */
function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
