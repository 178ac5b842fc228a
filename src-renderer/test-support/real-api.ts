// A real API for the renderer's component tests: the engine in this process behind the same
// handler `spillway ui` and the app serve, reached over a MessageChannel (structured clones,
// as the Electron bridge carries them). Nothing is mocked: plans, samples and jobs are real.

import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { serveApi } from '../../src-main/api/api-handler.js';
import { appBackend } from '../../src-main/api/app-backend.js';
import { inProcessRunner } from '../../src-main/jobs/in-process-runner.js';
import type { JobRunner } from '../../src-main/jobs/job-runner.js';
import { portLink } from '../../src-main/test-support/port-link.js';
import { createApiClient, type ApiClient } from '../../src-shared/api-client.js';

export interface RealApi {
  api: ApiClient;
  close(): void;
}

/** `runner`: where jobs run (default: in this process, as root needs no helper). */
export function realApi(dataDir: string, runner: JobRunner = inProcessRunner()): RealApi {
  const backend = appBackend(join(dataDir, 'data'), runner);
  const { port1, port2 } = new MessageChannel();
  const stop = serveApi(backend, portLink(port2));
  const api = createApiClient(portLink(port1));
  return {
    api,
    close() {
      api.close();
      stop();
      port1.close();
      port2.close();
      void backend.runner.close();
    },
  };
}
