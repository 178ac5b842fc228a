// The key a passphrase stanza wraps the file key with (age-encryption.org/v1, "The scrypt
// recipient type"): scrypt of the passphrase, salted with the stanza's label and 16 random
// bytes, on libuv's thread pool (node:crypto). Kept apart from scrypt-stanza.ts, which
// brings the age library: a backup starts the derivation (about 0.7 s of a core at age's
// work factor) before that library has even loaded.

import { randomBytes, scrypt } from 'node:crypto';

const LABEL = 'age-encryption.org/v1/scrypt';
export const SALT_BYTES = 16;
/** age's default work factor (log2 N), as the age CLI writes it. */
export const DEFAULT_LOG_N = 18;

export function deriveKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(
      Buffer.from(passphrase, 'utf8'),
      Buffer.concat([Buffer.from(LABEL), salt]),
      32,
      { N, r: 8, p: 1, maxmem: 128 * 8 * N + 16 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** A new stanza's salt, and its key being derived. */
export interface StartedScrypt {
  salt: Buffer;
  logN: number;
  key: Promise<Buffer>;
}

/** Picks a new salt and starts deriving its key at once, for a stanza made later. */
export function startScrypt(passphrase: string, logN = DEFAULT_LOG_N): StartedScrypt {
  const salt = randomBytes(SALT_BYTES);
  const key = deriveKey(passphrase, salt, logN);
  // Awaited by the stanza; a job that fails before it makes one drops it.
  key.catch(() => {});
  return { salt, logN, key };
}
