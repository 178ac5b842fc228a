// The API as a window reaches it, for tests: a backend served over a MessageChannel (structured
// clones, as the Electron bridge carries them), and the end of a job it started.

import { MessageChannel } from 'node:worker_threads';
import { createApiClient, type ApiClient } from '../../src-shared/api-client.js';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import { serveApi, type ApiBackend } from '../api/api-handler.js';
import { portLink } from './port-link.js';

export interface ApiSession {
  api: ApiClient;
  /** Disconnects, then closes the backend's runner (its jobs, its helper). */
  close(): Promise<void>;
}

export function apiSession(backend: ApiBackend): ApiSession {
  const { port1, port2 } = new MessageChannel();
  const stop = serveApi(backend, portLink(port2));
  const api = createApiClient(portLink(port1));
  return {
    api,
    async close() {
      api.close();
      stop();
      port1.close();
      port2.close();
      await backend.runner.close();
    },
  };
}

/** The job's events, from now until its last one: done or error. */
export function jobEvents(api: ApiClient, jobId: string): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  return new Promise((resolve) => {
    const stop = api.onJobEvent((id, event) => {
      if (id !== jobId) return;
      events.push(event);
      if (event.type === 'done' || event.type === 'error') {
        stop();
        resolve(events);
      }
    });
  });
}

/** The job's last event: done or error. */
export async function jobEnd(api: ApiClient, jobId: string): Promise<JobEvent> {
  return (await jobEvents(api, jobId)).at(-1)!;
}
