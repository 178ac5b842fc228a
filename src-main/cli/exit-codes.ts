// Exit codes of `spillway`, documented in README.md.

import { errorKind, type ErrorCode } from '../../src-shared/errors.js';

export const EXIT = {
  /** Done; for verify: the image is intact. */
  ok: 0,
  /** Failed while working (read or write error, full disk, device gone, a bug). */
  failed: 1,
  /** The command line was wrong. */
  usage: 2,
  /** The image is damaged, truncated or not an image; or read-back found a difference. */
  damaged: 3,
  /** Refused before writing anything (safety checks, not confirmed, destination exists). */
  refused: 4,
  /** Cancelled with Ctrl-C; nothing half-written was left. */
  cancelled: 130,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  return EXIT[errorKind(code)];
}
