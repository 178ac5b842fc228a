// What encrypts an image, and what opens one: the engine's side of age's passphrases and
// keys. The CLI fills these from files or a terminal, the app from its password fields.

/** How a new image is encrypted: one passphrase, or one or more age public keys. */
export type AgeLock =
  | {
      kind: 'passphrase';
      passphrase: string;
      /** scrypt's work factor (log2 N); age's 18 when absent. Lower only in tests. */
      logN?: number;
    }
  | { kind: 'recipients'; recipients: string[] };

/** What an encrypted image may be opened with. */
export interface AgeKeys {
  passphrase?: string;
  /** age secret keys ("AGE-SECRET-KEY-1…"), as an identity file holds them. */
  identities?: string[];
  /** Asked only when an image turns out to need a passphrase and none was given. */
  askPassphrase?: () => Promise<string>;
  /** Told of every payload chunk decrypted, by its number (tests: random access). */
  onChunkOpened?(index: number): void;
}

/** The age secret keys in an identity file's text (age-keygen's format: # comments). */
export function identitiesIn(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

/** The recipients in a recipients file's text (one age1… per line, # comments). */
export const recipientsIn = identitiesIn;

/** What an encrypted image's name ends with, after its codec's: disk.img.zst.age. */
export const AGE_EXTENSION = '.age';

/** The magic line every age v1 file begins with. */
export const AGE_MAGIC = 'age-encryption.org/v1\n';

export function isAgeFile(head: Uint8Array): boolean {
  return (
    head.byteLength >= AGE_MAGIC.length &&
    Buffer.from(head.subarray(0, AGE_MAGIC.length)).toString('latin1') === AGE_MAGIC
  );
}
