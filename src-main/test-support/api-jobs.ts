// Calls and jobs through the API handler, as a UI makes them, with what it sends back kept
// per job (tests of the handler with the real helper or an in-process runner).

import type { JobMessage } from '../../src-shared/api.js';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import { createApiHandler, type ApiBackend } from '../api/api-handler.js';

export function apiJobs(backend: ApiBackend) {
  const events = new Map<string, JobEvent[]>();
  const handler = createApiHandler(backend, (message: JobMessage) => {
    events.set(message.jobId, [...(events.get(message.jobId) ?? []), message.event]);
  });
  let id = 1;
  /** One call: its response, as the UI receives it (ok and result, or the error). */
  const call = (method: string, params: Record<string, unknown>) =>
    handler.handle({ id: id++, call: { method, params } });
  return {
    events,
    call,
    /** Starts a job (startBackup, startRestore…); its id. */
    async start(method: string, params: Record<string, unknown>): Promise<string> {
      const response = await call(method, params);
      if (!response.ok) throw new Error(JSON.stringify(response.error));
      return (response.result as { jobId: string }).jobId;
    },
    backup(params: Record<string, unknown>): Promise<string> {
      return this.start('startBackup', params);
    },
    async until(jobId: string, check: (events: JobEvent[]) => boolean): Promise<JobEvent[]> {
      for (let waited = 0; !check(events.get(jobId) ?? []); waited += 50) {
        if (waited > 120_000) throw new Error(`job ${jobId}: ${JSON.stringify(events.get(jobId))}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return events.get(jobId)!;
    },
  };
}

/** The job has ended (done or error). */
export const ended = (events: JobEvent[]) =>
  events.some((e) => e.type === 'done' || e.type === 'error');
