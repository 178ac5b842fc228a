// Jobs run by the engine in this process: for a CLI already running as root and for tests
// of the transports. The app and `spillway ui` use the helper instead.

import { answerQuestion, runJobRequest, unmountEverything } from './job-requests.js';
import type { JobRunner } from './job-runner.js';
import { toErrorInfo } from '../engine/errors.js';
import { silentLogger, type Logger } from '../log/logger.js';

export function inProcessRunner(log: Logger = silentLogger): JobRunner {
  const jobs = new Map<string, AbortController>();
  return {
    async start(jobId, request, onEvent) {
      const controller = new AbortController();
      jobs.set(jobId, controller);
      // The job reports its own end (done or error event); the log gets an unexpected
      // error's stack, which the event does not carry.
      void runJobRequest(request, {
        signal: controller.signal,
        emit: onEvent,
        log: log.child(`${request.kind} ${jobId}`),
      })
        .catch((error: unknown) => {
          if (toErrorInfo(error).code === 'internal') log.error(`${request.kind} ${jobId}`, error);
        })
        .finally(() => jobs.delete(jobId));
    },
    cancel(jobId) {
      const job = jobs.get(jobId);
      job?.abort(new Error('cancelled'));
      return job !== undefined;
    },
    ask: answerQuestion,
    runsWithoutPrompt: () => true,
    async close() {
      for (const job of jobs.values()) job.abort(new Error('closing'));
      // What it mounted for a UI is undone with it, as the helper does when it ends.
      await unmountEverything();
    },
  };
}
