// Where jobs and questions run: in the privileged helper (helper-host.ts) or in this process
// (in-process-runner.ts). The API handler does not know which.

import type { JobEvent } from '../../src-shared/protocol/events.js';
import type { JobRequest, Question } from './job-requests.js';

export interface JobRunner {
  /** Starts a job; its events, ending with 'done' or 'error', go to `onEvent`. */
  start(jobId: string, request: JobRequest, onEvent: (event: JobEvent) => void): Promise<void>;
  /** false when no such job is running. */
  cancel(jobId: string): boolean;
  ask(question: Question): Promise<unknown>;
  /** true when a job or question can run now without the system asking the user for an
   *  administrator's password first (no helper is needed, or it already runs). Screens that
   *  would read drives just to decorate themselves ask this first, so that opening the app is
   *  not a password prompt. */
  runsWithoutPrompt(): boolean;
  close(): Promise<void>;
}
