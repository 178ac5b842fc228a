// Encrypted (age) images, as the app meets them: what an image needs to be opened (its
// password, or the age key it was encrypted for), told by the engine's answer, and what a
// wrong one is called. Pure: the components and stores decide when to ask.

import type { ImageKey } from '../../src-shared/api.js';
import { ApiError } from '../../src-shared/api-client.js';
import { problemOf, type Problem } from '../words/error-words.js';

/** What opens a locked image: a password typed, or a key file chosen. */
export type ImageLock = 'passphrase' | 'key';

/** The lock an engine's refusal names ('image-locked'), or null for any other error. */
export function lockOf(error: unknown): ImageLock | null {
  if (!(error instanceof ApiError) || error.info.code !== 'image-locked') return null;
  return error.info.remedy === 'give-age-key' ? 'key' : 'passphrase';
}

/** The engine's answer to a password or key that does not open the image. */
export function isWrongKey(error: unknown): boolean {
  return error instanceof ApiError && error.info.code === 'wrong-key';
}

/** A refusal while unlocking, in the words the field shows. */
export function unlockProblem(error: unknown, lock: ImageLock): Problem {
  if (isWrongKey(error)) {
    return {
      message: (error as ApiError).message,
      hint:
        lock === 'passphrase'
          ? 'Type the password again: capitals and spaces count. Nothing was opened or written.'
          : 'Choose the key file the image was encrypted for. Nothing was opened or written.',
    };
  }
  return problemOf(error);
}

/** The key as the API takes it, from what the user gave; null when nothing was. */
export function keyOf(lock: ImageLock, given: string): ImageKey | null {
  if (given === '') return null;
  return lock === 'passphrase' ? { passphrase: given } : { identityFile: given.trim() };
}

/** `{ key }` for an API call's params: nothing for a plain image. */
export const withKey = (key: ImageKey | null): { key?: ImageKey } => (key ? { key } : {});
