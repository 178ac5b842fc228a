// The passphrase stanza of an age header (age-encryption.org/v1, "The scrypt recipient
// type"), as the library's Recipient and Identity interfaces, with the key derived by
// node:crypto's scrypt. The library's own scrypt is synchronous JavaScript: at age's work
// factor (2^18) it held the event loop for about 8 s here, against about 5.5 s on libuv's
// thread pool with the loop free (measured, see README). The header's framing and MAC stay
// the library's.

import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { Stanza, type Identity, type Recipient } from 'age-encryption';

const LABEL = 'age-encryption.org/v1/scrypt';
const SALT_BYTES = 16;
/** age's default work factor (log2 N), as the age CLI writes it. */
export const DEFAULT_LOG_N = 18;
/** The most a header may ask: 2^20 takes 1 GiB of memory (128 · r · N bytes) to check.
 *  The library and the age CLI's defaults refuse more too. */
export const MAX_LOG_N = 20;

/** Thrown for a passphrase stanza that is malformed or asks too much. */
export class BadStanza extends Error {}

function deriveKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
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

const ZERO_NONCE = Buffer.alloc(12);

function wrapKey(key: Buffer, fileKey: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  return Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
}

function unwrapKey(key: Buffer, body: Uint8Array): Uint8Array | null {
  if (body.byteLength !== 32) throw new BadStanza('its passphrase stanza has the wrong size');
  const decipher = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  decipher.setAuthTag(body.subarray(16));
  const fileKey = decipher.update(body.subarray(0, 16));
  try {
    decipher.final();
    return fileKey;
  } catch {
    return null; // another passphrase
  }
}

const base64NoPad = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

/** Canonical unpadded base64 only, as the spec requires. */
function decodeSalt(text: string): Buffer {
  const salt = Buffer.from(text, 'base64');
  if (
    !/^[A-Za-z0-9+/]+$/.test(text) ||
    salt.byteLength !== SALT_BYTES ||
    base64NoPad(salt) !== text
  ) {
    throw new BadStanza('its passphrase stanza has a malformed salt');
  }
  return salt;
}

export class ScryptRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN = DEFAULT_LOG_N,
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(SALT_BYTES);
    const key = await deriveKey(this.passphrase, salt, this.logN);
    return [new Stanza(['scrypt', base64NoPad(salt), String(this.logN)], wrapKey(key, fileKey))];
  }
}

export class ScryptIdentity implements Identity {
  constructor(private readonly passphrase: string) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    const stanza = stanzas.find((s) => s.args[0] === 'scrypt');
    if (!stanza) return null;
    // A passphrase must be the file's only key (the spec's rule: no one else can hold it).
    if (stanzas.length !== 1) throw new BadStanza('it has a passphrase beside other keys');
    const [, saltText, logText] = stanza.args;
    if (stanza.args.length !== 3 || !/^[1-9][0-9]?$/.test(logText ?? '')) {
      throw new BadStanza('its passphrase stanza is malformed');
    }
    const logN = Number(logText);
    if (logN > MAX_LOG_N) {
      throw new BadStanza(
        `its passphrase needs 2^${logN} scrypt work, more than the 2^${MAX_LOG_N} age itself accepts`,
      );
    }
    const key = await deriveKey(this.passphrase, decodeSalt(saltText!), logN);
    return unwrapKey(key, stanza.body);
  }
}
