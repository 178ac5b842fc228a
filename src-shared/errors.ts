// Every failure Spillway reports has a code from this list. Processes pass the code (not the
// class) across boundaries; the UI and the CLI choose words and exit codes from it.

import { z } from 'zod';
import { formatBytes } from './units.js';

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
  'target-read-only',
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
    case 'target-read-only':
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

/**
 * What the user can do about a failure, as a code: each front end words it for its people
 * (the CLI may name a flag, the app names a button or a setting). The engine never words a
 * next step itself, since it cannot know whether a command line is there.
 */
export const REMEDIES = [
  // rights
  'run-as-admin',
  'refused-to-admin',
  // the destination
  'overwrite',
  'overwrite-and-merge',
  'choose-other-destination',
  'free-space',
  'choose-roomier-folder',
  'larger-parts',
  // the source drive or a target drive
  'skip-unreadable',
  'replug-and-retry',
  'replug-and-resume',
  'try-another-drive',
  'choose-drive-again',
  'unmount-target',
  'choose-other-target',
  'choose-larger-target',
  'turn-off-write-protection',
  // the image
  'use-another-copy',
  'image-cut-short',
  'verify-image',
  'remove-index-file',
  'rename-plain-image',
  'find-missing-part',
  'pick-image-file',
  'rebackup-from-stream',
  'name-image-place',
  // an interrupted backup
  'resume',
  'start-without-resume',
  'use-raw-mode',
  'use-used-mode',
  'use-same-frame-size',
  // the spill buffer
  'choose-spill-folder',
  // another machine
  'fix-ssh-address',
  'accept-host-key',
  'update-known-hosts',
  'add-ssh-key',
  'load-ssh-key',
  'check-ssh-login',
  // a mounted image
  'unmount-image-first',
  'close-and-unmount-again',
  // a program the system needs for it is not installed (facts: program, package)
  'install-program',
  // an encrypted image
  'give-passphrase',
  'give-age-key',
  // anything else
  'start-again',
  'read-log',
] as const;

export type Remedy = (typeof REMEDIES)[number];
export const RemedySchema = z.enum(REMEDIES);

/** The facts a message and a remedy are worded from: paths, sizes, names (never secrets). */
export const FactsSchema = z.record(
  z.string().max(64),
  z.union([z.string().max(4096), z.number(), z.boolean()]),
);
export type Facts = z.infer<typeof FactsSchema>;

/** A fact as words for a message, or `otherwise` when the engine did not give it. */
export function factText(facts: Facts, key: string, otherwise: string): string {
  const value = facts[key];
  return value === undefined ? otherwise : String(value);
}

/** A fact that is a byte count, as "1.50 GiB"; null when the engine did not give it. */
export function factBytes(facts: Facts, key: string): string | null {
  const value = facts[key];
  return typeof value === 'number' ? formatBytes(value) : null;
}

/** The shape an error takes when it crosses a process boundary (events, API replies);
 *  whoever receives one from another process validates it with this schema. */
export const ErrorInfoSchema = z.object({
  code: z.enum(ERROR_CODES),
  /** One line a home user understands: what went wrong, naming no front end's controls
   *  (no CLI flag, no button). */
  message: z.string().max(4096),
  /** What the message and the remedy are worded from ({ path: '/media/usb/disk.img.zst' }). */
  facts: FactsSchema.optional(),
  /** The next step, when there is one; each front end words it. */
  remedy: RemedySchema.optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;
