// Every failure Spillway reports has a code from this list. Processes pass the code (not the
// class) across boundaries; the UI and the CLI choose words and exit codes from it.

import { z } from 'zod';

export const ERROR_CODES = [
  // what the user asked for cannot be understood
  'usage',
  // inputs
  'not-found',
  'permission-denied',
  'not-an-image',
  'image-truncated',
  'image-damaged',
  'image-incomplete',
  'image-part-missing',
  // an image without an index of its frames (made by another tool): no random access
  'image-not-indexed',
  // an encrypted (age) image: no passphrase or key was given, or the one given does not open it
  'image-locked',
  'wrong-key',
  'source-unreadable',
  'read-error',
  'device-gone',
  // refusals made before anything is written
  'destination-exists',
  'destination-on-source',
  'target-too-small',
  'target-holds-image',
  'target-mounted',
  'target-is-system',
  'target-busy',
  'not-confirmed',
  'source-changed',
  // another machine
  'ssh-failed',
  'host-key-unknown',
  'host-key-changed',
  // failures while writing
  'destination-full',
  'write-error',
  'readback-mismatch',
  // the user stopped it
  'cancelled',
  // a bug: the message says what happened
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Which kind of outcome a code is; the CLI's exit codes follow this. */
export type ErrorKind = 'usage' | 'refused' | 'damaged' | 'cancelled' | 'failed';

export function errorKind(code: ErrorCode): ErrorKind {
  switch (code) {
    case 'usage':
      return 'usage';
    case 'destination-exists':
    case 'destination-on-source':
    case 'target-too-small':
    case 'target-holds-image':
    case 'target-mounted':
    case 'target-is-system':
    case 'target-busy':
    case 'not-confirmed':
    case 'source-changed':
    case 'image-incomplete':
    case 'image-not-indexed':
    case 'image-locked':
    case 'wrong-key':
    case 'host-key-unknown':
    case 'host-key-changed':
      return 'refused';
    case 'image-damaged':
    case 'image-truncated':
    case 'image-part-missing':
    case 'not-an-image':
    case 'readback-mismatch':
      return 'damaged';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}

/** The shape an error takes when it crosses a process boundary (events, API replies);
 *  whoever receives one from another process validates it with this schema. */
export const ErrorInfoSchema = z.object({
  code: z.enum(ERROR_CODES),
  /** One line a home user understands: what went wrong. */
  message: z.string().max(4096),
  /** The next step, when there is one ("Free 3.2 GiB on /media/usb, then try again."). */
  hint: z.string().max(4096).optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;
