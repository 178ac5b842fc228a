// The engine's one error type: a code from src-shared/errors.ts, a message a home user
// understands, and the next step when there is one. Anything else that escapes a job is a
// bug and is reported as 'internal' with its own message.

import type { ErrorCode, ErrorInfo } from '../../src-shared/errors.js';

export class SpillwayError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'SpillwayError';
    this.code = code;
    this.hint = options?.hint;
  }

  info(): ErrorInfo {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

export function cancelled(): SpillwayError {
  return new SpillwayError('cancelled', 'Cancelled; nothing was left half-written.');
}

/** Turns anything thrown into an ErrorInfo; Node system errors get plain words. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof SpillwayError) return error.info();
  const sys = error as NodeJS.ErrnoException | undefined;
  const path = sys?.path ? ` (${sys.path})` : '';
  switch (sys?.code) {
    case 'ENOENT':
      return { code: 'not-found', message: `No such file or device${path}.` };
    case 'EACCES':
    case 'EPERM':
      return {
        code: 'permission-denied',
        message: `Permission denied${path}.`,
        hint: 'Drives can only be read and written with administrator rights: try again as root.',
      };
    case 'ENOSPC':
      return { code: 'destination-full', message: `The disk is full${path}.` };
    case 'EIO':
      return { code: 'read-error', message: `The device reported an I/O error${path}.` };
    case 'ENXIO':
    case 'ENODEV':
      return { code: 'device-gone', message: `The device is gone${path}: was it unplugged?` };
    case 'EBUSY':
      return { code: 'target-busy', message: `The device is in use${path}.` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `Unexpected error: ${message}` };
}
