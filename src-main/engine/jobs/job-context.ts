// What every job gets from whoever runs it (CLI, helper, tests): a way to report events, a
// signal that cancels it, and a log.

import type { JobEvent, JobKind, JobResult } from '../../../src-shared/protocol/events.js';
import { errorFromInfo, SpillwayError, toErrorInfo } from '../errors.js';
import { ProgressTracker } from '../progress/progress-tracker.js';

export interface JobContext {
  signal: AbortSignal;
  emit(event: JobEvent): void;
  /** Where to note what a bug report needs and the user does not; absent: nowhere. */
  log?: JobLog;
}

/** What the engine writes to a log (src-main/log/logger.ts's Logger is one). */
export interface JobLog {
  warn(message: string, error?: unknown): void;
  debug(message: string): void;
}

/** A context that reports nothing and is never cancelled (tests, internal use). */
export function quietContext(signal: AbortSignal = new AbortController().signal): JobContext {
  return { signal, emit: () => {} };
}

/**
 * Runs one job: a progress tracker for it, a 'done' event with its result or an 'error'
 * event with words for the user, and the error rethrown for the caller's exit code.
 */
export async function runJob<R extends JobResult>(
  kind: JobKind,
  context: JobContext,
  work: (progress: ProgressTracker) => Promise<R>,
): Promise<R> {
  const progress = new ProgressTracker(kind, context.emit);
  try {
    const result = await work(progress);
    progress.stop(true);
    context.emit({ type: 'done', t: Date.now(), job: kind, result });
    return result;
  } catch (error) {
    progress.stop();
    // A job that knows what its stop left behind (a clone's incomplete target) says so.
    const own = error instanceof SpillwayError && error.code === 'cancelled';
    const info =
      context.signal.aborted && !own
        ? new SpillwayError('cancelled', 'Cancelled; nothing was left half-written.').info()
        : toErrorInfo(error);
    context.emit({ type: 'error', t: Date.now(), job: kind, error: info });
    if (error instanceof SpillwayError) throw error;
    throw errorFromInfo(info, error);
  }
}
