// The header of an age v1 file: made and read by the `age-encryption` library (the
// reference TypeScript implementation: stanzas, X25519, the header's HMAC), with the
// passphrase stanza's scrypt on Node's thread pool (scrypt-stanza.ts). What comes out is the
// payload's key: the chunks themselves are sealed and opened by sealing/payload-chunks.ts.

import { randomBytes } from 'node:crypto';
import { Decrypter, Encrypter, type Identity, type Recipient, type Stanza } from 'age-encryption';
import { SpillwayError } from '../../errors.js';
import type { ImageInput } from '../image-input.js';
import type { AgeKeys, AgeLock } from './age-keys.js';
import { PAYLOAD_NONCE_SIZE, payloadKey, TAG_SIZE } from '../../sealing/payload-chunks.js';
import type { StartedScrypt } from './scrypt-key.js';
import { BadStanza, ScryptIdentity, ScryptRecipient } from './scrypt-stanza.js';

/** No header Spillway or age writes comes near this; a longer one is refused, not read. */
export const MAX_HEADER_BYTES = 64 * 1024;

/** What goes before the first chunk (header and nonce), and the key the chunks take. */
export interface SealedStart {
  /** The header and the nonce: ready once every recipient's stanza is made (a passphrase's
   *  scrypt takes a second or two, on Node's thread pool). */
  prefix: Promise<Buffer>;
  key: Buffer;
}

/**
 * A new header for `lock`, and the payload's key at once. The library makes the file key,
 * the stanzas and the MAC; a recipient of our own that adds no stanza is handed the file key
 * first, before the library waits for any other, so that the payload can be sealed here,
 * chunk by chunk, at Node's speed while a passphrase's scrypt still runs. The payload's nonce
 * is ours (16 random bytes, as the spec asks); the library's encryption of an empty payload
 * gives the header, followed by its own nonce and one empty chunk, which are dropped.
 * Keys and passphrases that cannot be used are refused here, before anything is written.
 * `scrypt`: the passphrase's key derivation, when the caller started it already.
 */
export function newAgeHeader(lock: AgeLock, scrypt?: StartedScrypt): SealedStart {
  const encrypter = new Encrypter();
  let fileKey: Uint8Array | null = null;
  const keeper: Recipient = {
    wrapFileKey(key) {
      fileKey = Uint8Array.from(key);
      return [];
    },
  };
  encrypter.addRecipient(keeper);
  if (lock.kind === 'passphrase') {
    if (lock.passphrase.length === 0) throw new SpillwayError('usage', 'The passphrase is empty.');
    encrypter.addRecipient(new ScryptRecipient(lock.passphrase, lock.logN, scrypt));
  } else {
    if (lock.recipients.length === 0) {
      throw new SpillwayError('usage', 'No age public key (age1…) to encrypt to was given.');
    }
    for (const recipient of lock.recipients) {
      try {
        encrypter.addRecipient(recipient);
      } catch {
        throw new SpillwayError('usage', `${recipient} is not an age public key (age1…).`);
      }
    }
  }
  const empty = encrypter.encrypt(new Uint8Array(0));
  if (fileKey === null) throw new Error('the age library did not hand over the file key');
  const nonce = randomBytes(PAYLOAD_NONCE_SIZE);
  const prefix = empty.then((bytes) => {
    const headerEnd = bytes.byteLength - PAYLOAD_NONCE_SIZE - TAG_SIZE;
    if (headerLength(bytes) !== headerEnd) throw new Error('the age header is not where expected');
    return Buffer.concat([bytes.subarray(0, headerEnd), nonce]);
  });
  // Its failure is the sink's to report; a job that fails before it has one drops it.
  prefix.catch(() => {});
  return { prefix, key: payloadKey(fileKey, nonce) };
}

/**
 * The header's length: up to and including its MAC line ("--- …\n"), the first line to
 * begin with "---" (stanza lines begin "-> ", their bodies are base64). Null when there is
 * none in `head`.
 */
export function headerLength(head: Uint8Array): number | null {
  const text = Buffer.from(head).toString('latin1');
  const mac = text.indexOf('\n---');
  if (mac < 0) return null;
  const end = text.indexOf('\n', mac + 1);
  return end < 0 ? null : end + 1;
}

/** Where an opened age file's payload starts, and its key. */
export interface OpenedAge {
  payloadStart: number;
  key: Buffer;
  /** "passphrase" or "key": what opened it, for words. */
  lockedWith: 'passphrase' | 'key';
}

/**
 * Reads the header of the age file `input` and unwraps its file key with `keys`. Refuses,
 * in words: no key given for it ('image-locked'), keys that do not open it ('wrong-key'),
 * a damaged or cut header ('image-damaged', 'image-truncated').
 */
export async function openAgeHeader(input: ImageInput, keys: AgeKeys = {}): Promise<OpenedAge> {
  const head = await input.read(0, Math.min(input.size, MAX_HEADER_BYTES));
  const length = headerLength(head);
  const damaged = (why: string, cause?: unknown) =>
    new SpillwayError('image-damaged', `${input.path} is an encrypted image whose ${why}.`, {
      remedy: 'use-another-copy',
      ...(cause !== undefined ? { cause } : {}),
    });
  if (length === null) {
    if (input.size < MAX_HEADER_BYTES) {
      throw new SpillwayError(
        'image-truncated',
        `${input.path} is an encrypted image cut short inside its header (${input.size} bytes).`,
      );
    }
    throw damaged('header (age) has no end');
  }
  if (input.size < length + PAYLOAD_NONCE_SIZE) {
    throw new SpillwayError(
      'image-truncated',
      `${input.path} is an encrypted image cut short right after its header (${input.size} bytes).`,
    );
  }

  // The library parses the header and checks its MAC; identities of our own around the
  // given ones tell the outcomes apart without reading its messages: `types` is filled once
  // the header parsed, `tried` when no given key matched.
  let types: string[] | null = null;
  let tried = false;
  const seer: Identity = {
    unwrapFileKey(stanzas: Stanza[]) {
      types = stanzas.map((s) => s.args[0] ?? '');
      return null;
    },
  };
  const end: Identity = {
    unwrapFileKey() {
      tried = true;
      return null;
    },
  };
  const stanzaTypes = await peekStanzaTypes(head.subarray(0, length), seer, () => types);
  if (stanzaTypes === null) throw damaged('header (age) is malformed');

  const decrypter = new Decrypter();
  decrypter.addIdentity(seer);
  let lockedWith: OpenedAge['lockedWith'];
  if (stanzaTypes.includes('scrypt')) {
    lockedWith = 'passphrase';
    const passphrase = keys.passphrase ?? (await keys.askPassphrase?.());
    if (passphrase === undefined) {
      throw new SpillwayError('image-locked', `${input.path} is encrypted with a passphrase.`, {
        facts: { image: input.path },
        remedy: 'give-passphrase',
      });
    }
    decrypter.addIdentity(new ScryptIdentity(passphrase));
  } else {
    lockedWith = 'key';
    if (!keys.identities?.length) {
      throw new SpillwayError(
        'image-locked',
        `${input.path} is encrypted to an age key (${describeTypes(stanzaTypes)}).`,
        { facts: { image: input.path }, remedy: 'give-age-key' },
      );
    }
    for (const identity of keys.identities) {
      try {
        decrypter.addIdentity(identity);
      } catch {
        throw new SpillwayError(
          'usage',
          'The identity file holds something that is not an age secret key (AGE-SECRET-KEY-1…).',
        );
      }
    }
  }
  decrypter.addIdentity(end);
  let fileKey: Uint8Array;
  try {
    fileKey = await decrypter.decryptHeader(head.subarray(0, length));
  } catch (error) {
    if (error instanceof BadStanza) throw damaged(`header cannot be used: ${error.message}`, error);
    if (tried) {
      throw new SpillwayError(
        'wrong-key',
        lockedWith === 'passphrase'
          ? `The passphrase does not open ${input.path}.`
          : `None of the keys given opens ${input.path}.`,
      );
    }
    throw damaged('header (age) does not check out (its MAC differs)', error);
  }
  const nonce = await input.read(length, PAYLOAD_NONCE_SIZE);
  return { payloadStart: length + PAYLOAD_NONCE_SIZE, key: payloadKey(fileKey, nonce), lockedWith };
}

/** The header's stanza types, as the library parsed them; null when it could not. */
async function peekStanzaTypes(
  header: Uint8Array,
  seer: Identity,
  seen: () => string[] | null,
): Promise<string[] | null> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(seer);
  await decrypter.decryptHeader(header).catch(() => {});
  return seen();
}

function describeTypes(types: string[]): string {
  const names = [...new Set(types)].map((t) =>
    t === 'X25519' ? 'an age1… public key' : t.startsWith('ssh-') ? `an SSH key (${t})` : t,
  );
  return names.join(', ');
}
