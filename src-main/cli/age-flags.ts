// The command line's side of encryption: the passphrase or keys from the flags, from files,
// or typed on the terminal (not echoed; a new one typed twice). The engine only ever sees
// the resulting AgeLock / AgeKeys (engine/endpoints/age/age-keys.ts).

import { readFile } from 'node:fs/promises';
import {
  identitiesIn,
  recipientsIn,
  type AgeKeys,
  type AgeLock,
} from '../engine/endpoints/age/age-keys.js';
import { SpillwayError } from '../engine/errors.js';

export interface AgeLockFlags {
  encrypt?: boolean;
  passphraseFile?: string;
  recipient?: string[];
  recipientsFile?: string;
}

export interface AgeKeyFlags {
  passphraseFile?: string;
  ageIdentity?: string;
}

/** What the new image is encrypted with, or undefined for a plain image. */
export async function ageLockFromFlags(
  flags: AgeLockFlags,
  ask: (prompt: string) => Promise<string> = askHidden,
): Promise<AgeLock | undefined> {
  const recipients = [
    ...(flags.recipient ?? []),
    ...(flags.recipientsFile ? recipientsIn(await readText(flags.recipientsFile)) : []),
  ];
  if (recipients.length > 0) {
    if (flags.encrypt || flags.passphraseFile) {
      throw new SpillwayError(
        'usage',
        'An image is encrypted with a passphrase or to public keys, not both.',
      );
    }
    return { kind: 'recipients', recipients };
  }
  if (flags.recipientsFile) {
    throw new SpillwayError('usage', `${flags.recipientsFile} holds no age public key (age1…).`);
  }
  if (!flags.encrypt && !flags.passphraseFile) return undefined;
  if (flags.passphraseFile) {
    return { kind: 'passphrase', passphrase: await passphraseFile(flags.passphraseFile) };
  }
  if (!process.stdin.isTTY) {
    throw new SpillwayError(
      'usage',
      '--encrypt asks for a passphrase on the terminal, and there is none: give it in a file ' +
        'with --passphrase-file FILE, or encrypt to a key with --recipient age1….',
    );
  }
  const first = await ask('Passphrase for the image: ');
  if (first.length === 0) throw new SpillwayError('usage', 'The passphrase is empty.');
  const second = await ask('The same passphrase again: ');
  if (first !== second) throw new SpillwayError('usage', 'The two passphrases differ.');
  return { kind: 'passphrase', passphrase: first };
}

/** What may open an encrypted image; a passphrase is asked on the terminal only when an
 *  image needs one and none was given. `before` runs first (to end a progress line). */
export async function ageKeysFromFlags(
  flags: AgeKeyFlags,
  before: () => void = () => {},
): Promise<AgeKeys> {
  const keys: AgeKeys = {};
  if (flags.passphraseFile) keys.passphrase = await passphraseFile(flags.passphraseFile);
  if (flags.ageIdentity) {
    const identities = identitiesIn(await readText(flags.ageIdentity));
    if (identities.length === 0) {
      throw new SpillwayError('usage', `${flags.ageIdentity} holds no age secret key.`);
    }
    keys.identities = identities;
  }
  if (keys.passphrase === undefined && process.stdin.isTTY) {
    keys.askPassphrase = async () => {
      before();
      return askHidden('Passphrase of the image: ');
    };
  }
  return keys;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new SpillwayError('usage', `${path} cannot be read.`, { cause: error });
  }
}

/** A passphrase file's first line (its line break is not part of the passphrase). */
async function passphraseFile(path: string): Promise<string> {
  const passphrase = (await readText(path)).split(/\r?\n/)[0] ?? '';
  if (passphrase.length === 0) throw new SpillwayError('usage', `${path} holds no passphrase.`);
  return passphrase;
}

/** A line typed on the terminal without echo. Ctrl-C cancels; backspace works. */
export function askHidden(
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    let typed = '';
    const done = (error: Error | null) => {
      input.off('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(null);
        if (char === '\u0003') {
          return done(new SpillwayError('cancelled', 'Cancelled; nothing was written.'));
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
