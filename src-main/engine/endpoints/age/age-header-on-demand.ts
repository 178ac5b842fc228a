// age-header.ts, loaded only when an image is encrypted. It brings the age-encryption library
// and the cryptography behind it (@noble: curves, ciphers, post-quantum keys), which took
// about a fifth of every command's start-up: importing the CLI cost 0.79–0.89 s of CPU with
// it and 0.64–0.73 s without (load average 17 on 2 cores), before a single byte was read.

import type { ImageInput } from '../image-input.js';
import type { OpenedAge, SealedStart } from './age-header.js';
import type { AgeKeys, AgeLock } from './age-keys.js';
import { startScrypt } from './scrypt-key.js';

/** age-header.ts newAgeHeader (the payload key at once, the header when scrypt is done),
 *  loaded on first use. A passphrase's scrypt starts before the library is loaded: it is
 *  what the header waits for, and loading the library takes a while of the thread that
 *  would otherwise have started it. */
export async function newAgeHeader(lock: AgeLock): Promise<SealedStart> {
  const scrypt =
    lock.kind === 'passphrase' && lock.passphrase.length > 0
      ? startScrypt(lock.passphrase, lock.logN)
      : undefined;
  return (await import('./age-header.js')).newAgeHeader(lock, scrypt);
}

/** age-header.ts openAgeHeader, loaded on first use. */
export async function openAgeHeader(input: ImageInput, keys: AgeKeys = {}): Promise<OpenedAge> {
  return (await import('./age-header.js')).openAgeHeader(input, keys);
}
