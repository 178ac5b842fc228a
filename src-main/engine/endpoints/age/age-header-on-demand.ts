// age-header.ts, loaded only when an image is encrypted. It brings the age-encryption library
// and the cryptography behind it (@noble: curves, ciphers, post-quantum keys), which took
// about a fifth of every command's start-up: importing the CLI cost 0.79–0.89 s of CPU with
// it and 0.64–0.73 s without (load average 17 on 2 cores), before a single byte was read.

import type { ImageInput } from '../image-input.js';
import type { OpenedAge, SealedStart } from './age-header.js';
import type { AgeKeys, AgeLock } from './age-keys.js';

/** age-header.ts newAgeHeader (the payload key at once, the header when scrypt is done),
 *  loaded on first use. */
export async function newAgeHeader(lock: AgeLock): Promise<SealedStart> {
  return (await import('./age-header.js')).newAgeHeader(lock);
}

/** age-header.ts openAgeHeader, loaded on first use. */
export async function openAgeHeader(input: ImageInput, keys: AgeKeys = {}): Promise<OpenedAge> {
  return (await import('./age-header.js')).openAgeHeader(input, keys);
}
