// The backend the app and `spillway ui` serve: jobs in the privileged helper (started once,
// on first need: one elevation prompt per session), history, settings and the log in the data
// folder.

import { openHistory } from '../store/history-store.js';
import { openSettings } from '../store/settings-store.js';
import { openPlans } from '../store/plan-store.js';
import { ImageSharing } from '../files/image-sharing.js';
import { startHelper } from '../helper/start-helper.js';
import type { HelperHost } from '../helper/helper-host.js';
import type { ApiBackend } from './api-handler.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { openAppLog } from '../log/app-log.js';
import type { Logger } from '../log/logger.js';

/**
 * A runner that starts the helper the first time it is needed, and again if it died.
 * `startPrompts`: whether starting it makes the system ask for a password (pkexec), which is
 * so unless this process is root already (elevation.ts).
 */
export function lazyHelperRunner(
  start: () => Promise<HelperHost> = () => startHelper(),
  startPrompts: boolean = process.getuid?.() !== 0,
): JobRunner {
  let helper: Promise<HelperHost> | null = null;
  let running: HelperHost | null = null;
  const get = () => {
    helper ??= start().then(
      (host) => {
        running = host;
        host.onExit(() => {
          helper = null;
          running = null;
        });
        return host;
      },
      (error: unknown) => {
        helper = null;
        throw error;
      },
    );
    return helper;
  };
  let current: HelperHost | null = null;
  return {
    async start(jobId, request, onEvent) {
      current = await get();
      await current.start(jobId, request, onEvent);
    },
    cancel: (jobId) => current?.cancel(jobId) ?? false,
    async ask(question) {
      current = await get();
      return current.ask(question);
    },
    runsWithoutPrompt: () => !startPrompts || (running?.runsWithoutPrompt() ?? false),
    async close() {
      // A helper that failed to start has nothing to close (the failure went to its job).
      if (helper) await (await helper.catch(() => null))?.close();
    },
  };
}

/**
 * The app's backend over `dataDir`. `runner`: where jobs run, or how to make that from the
 * app's log (default: the helper, its entries in that log).
 */
export function appBackend(
  dataDir: string,
  runner: JobRunner | ((log: Logger) => JobRunner) = (log) =>
    lazyHelperRunner(() => startHelper({ log })),
): ApiBackend {
  const log = openAppLog(dataDir);
  return {
    runner: typeof runner === 'function' ? runner(log) : runner,
    history: openHistory(dataDir),
    settings: openSettings(dataDir),
    plans: openPlans(dataDir),
    images: new ImageSharing(),
    log,
  };
}
