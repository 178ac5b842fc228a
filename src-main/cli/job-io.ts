// Wiring a job to the terminal: where its events go, and Ctrl-C. The first Ctrl-C cancels the
// job (which removes what it left unfinished); a second one exits at once.

import type { JobContext } from '../engine/index.js';
import { jsonReporter, plainReporter, terminalReporter, type Reporter } from './reporter.js';
import { EXIT } from './exit-codes.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { JobEvent } from '../../src-shared/protocol/events.js';

/** What of a job's events the log keeps: its steps and warnings, and how it ended. */
function logEvent(log: Logger, event: JobEvent): void {
  if (event.type === 'phase') log.info(event.message);
  else if (event.type === 'warning') log.warn(event.message);
  else if (event.type === 'done') log.info(`done: ${JSON.stringify(event.result)}`);
  // An 'error' is logged once, with its stack, where the command ends (main.ts).
}

export interface JobIO {
  context: JobContext;
  reporter: Reporter;
  /** Where human-readable results go: stdout, or stderr when stdout carries data. */
  out: NodeJS.WriteStream;
  dispose(): void;
}

export function jobIO(options: {
  json?: boolean;
  stdoutIsData?: boolean;
  log?: Logger | undefined;
}): JobIO {
  const log = options.log ?? silentLogger;
  const dataOnStdout = options.stdoutIsData ?? false;
  // JSON events go to stdout unless stdout carries the image itself.
  const eventStream = dataOnStdout ? process.stderr : process.stdout;
  const reporter = options.json
    ? jsonReporter(eventStream)
    : process.stderr.isTTY
      ? terminalReporter(process.stderr)
      : plainReporter(process.stderr);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.cancelled);
    reporter.finish();
    process.stderr.write('Cancelling… (Ctrl-C again to quit at once)\n');
    controller.abort(new Error('cancelled by the user'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    context: {
      signal: controller.signal,
      emit: (event) => {
        reporter.emit(event);
        logEvent(log, event);
      },
      log,
    },
    reporter,
    out: dataOnStdout ? process.stderr : process.stdout,
    dispose() {
      reporter.finish();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
