// The passphrase stanza of an age header (age-encryption.org/v1, "The scrypt recipient
// type"), as the library's Recipient and Identity interfaces, with the key derived by
// node:crypto's scrypt. The library's own scrypt is synchronous JavaScript: at age's work
// factor (2^18) it held the event loop for about 8 s here, against about 5.5 s on libuv's
// thread pool with the loop free (measured, see README). The header's framing and MAC stay
// the library's.

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Stanza, type Identity, type Recipient } from 'age-encryption';
import { deriveKey, SALT_BYTES, startScrypt, type StartedScrypt } from './scrypt-key.js';

/** The most a header may ask: 2^20 takes 1 GiB of memory (128 · r · N bytes) to check.
 *  The library and the age CLI's defaults refuse more too. */
export const MAX_LOG_N = 20;

/** Thrown for a passphrase stanza that is malformed or asks too much. */
export class BadStanza extends Error {}

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
  private readonly scrypt: StartedScrypt;

  /** `started`: the salt and key derivation begun earlier for this passphrase (startScrypt),
   *  so that the seconds it takes overlap whatever came before the header was asked for. */
  constructor(passphrase: string, logN?: number, started?: StartedScrypt) {
    this.scrypt = started ?? startScrypt(passphrase, logN);
  }

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const { salt, logN, key } = this.scrypt;
    return [new Stanza(['scrypt', base64NoPad(salt), String(logN)], wrapKey(await key, fileKey))];
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
