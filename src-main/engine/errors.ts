// The engine's one error type: a code from src-shared/errors.ts, a message that says what
// happened, the facts it was worded from, and the next step as a remedy code when there is
// one. The engine words no next step itself: it cannot know whether its user has a command
// line (the CLI words remedies in cli/error-words.ts, the app in src-renderer/words/).
// Anything else that escapes a job is a bug and is reported as 'internal' with its own message.

import type { ErrorCode, ErrorInfo, Facts, Remedy } from '../../src-shared/errors.js';

export interface SpillwayErrorOptions {
  facts?: Facts;
  remedy?: Remedy;
  cause?: unknown;
}

export class SpillwayError extends Error {
  readonly code: ErrorCode;
  readonly facts: Facts;
  readonly remedy: Remedy | undefined;

  constructor(code: ErrorCode, message: string, options?: SpillwayErrorOptions) {
    super(message, { cause: options?.cause });
    this.name = 'SpillwayError';
    this.code = code;
    this.facts = options?.facts ?? {};
    this.remedy = options?.remedy;
  }

  info(): ErrorInfo {
    return {
      code: this.code,
      message: this.message,
      ...(Object.keys(this.facts).length > 0 ? { facts: this.facts } : {}),
      ...(this.remedy !== undefined ? { remedy: this.remedy } : {}),
    };
  }
}

/** The error an ErrorInfo describes (one that crossed a process boundary), whole. */
export function errorFromInfo(info: ErrorInfo, cause?: unknown): SpillwayError {
  return new SpillwayError(info.code, info.message, {
    ...(info.facts ? { facts: info.facts } : {}),
    ...(info.remedy ? { remedy: info.remedy } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * What to do when the system refuses to open a drive or file: run as an administrator —
 * unless this already runs as root, when the refusal comes from above the person (a
 * security policy, a container's device rules, an immutable file) and "run as root" would
 * be untrue advice.
 */
export function accessRemedy(): Remedy {
  return process.getuid?.() === 0 ? 'refused-to-admin' : 'run-as-admin';
}

export function cancelled(): SpillwayError {
  return new SpillwayError('cancelled', 'Cancelled; nothing was left half-written.');
}

/** Turns anything thrown into an ErrorInfo; Node system errors get plain words. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof SpillwayError) return error.info();
  const sys = error as NodeJS.ErrnoException | undefined;
  const path = sys?.path ? ` (${sys.path})` : '';
  const facts: Facts | undefined = sys?.path ? { path: sys.path } : undefined;
  const info = (code: ErrorCode, message: string, remedy?: Remedy): ErrorInfo => ({
    code,
    message,
    ...(facts ? { facts } : {}),
    ...(remedy ? { remedy } : {}),
  });
  switch (sys?.code) {
    case 'ENOENT':
      return info('not-found', `No such file or device${path}.`);
    case 'EACCES':
    case 'EPERM':
      return info('permission-denied', `Permission denied${path}.`, accessRemedy());
    case 'ENOSPC':
      return info('destination-full', `The disk is full${path}.`);
    case 'EIO':
      return info('read-error', `The device reported an I/O error${path}.`);
    case 'ENXIO':
    case 'ENODEV':
      return info('device-gone', `The device is gone${path}: was it unplugged?`);
    case 'EBUSY':
      return info('target-busy', `The device is in use${path}.`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `Unexpected error: ${message}` };
}
