// The passphrase's key is age's: scrypt of the passphrase, salted with age's label and the
// stanza's bytes. Derived in a process of its own on Linux, and here when that process cannot
// start: both give the key node:crypto gives in this process.

import { randomBytes, scryptSync } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { deriveKey } from './scrypt-key.js';

const LOG_N = 10;

/** The key as the age spec defines it, computed here for comparison. */
function reference(passphrase: string, salt: Buffer): Buffer {
  const label = Buffer.from('age-encryption.org/v1/scrypt');
  return scryptSync(Buffer.from(passphrase, 'utf8'), Buffer.concat([label, salt]), 32, {
    N: 2 ** LOG_N,
    r: 8,
    p: 1,
  });
}

describe('deriveKey', () => {
  it('gives age’s key for a passphrase, accents and all', async () => {
    const salt = randomBytes(16);
    const passphrase = 'correct horse — “battery” staple ✓';
    expect((await deriveKey(passphrase, salt, LOG_N)).equals(reference(passphrase, salt))).toBe(
      true,
    );
    // Another salt, another key.
    const other = randomBytes(16);
    expect((await deriveKey(passphrase, other, LOG_N)).equals(reference(passphrase, salt))).toBe(
      false,
    );
  });

  it('derives the same key in this process when its own process cannot start', async () => {
    const salt = randomBytes(16);
    const key = await deriveKey('a passphrase', salt, LOG_N, '/nonexistent/node');
    expect(key.equals(reference('a passphrase', salt))).toBe(true);
  });

  it.skipIf(process.platform !== 'linux')(
    'derives the key in a process of its own on Linux, with huge pages asked for',
    async () => {
      // A runtime that notes what it was started with and what it answered.
      const dir = await tempDir();
      try {
        const seen = join(dir.path, 'seen.txt');
        const answered = join(dir.path, 'answered.txt');
        const runtime = join(dir.path, 'node');
        await writeFile(
          runtime,
          `#!/bin/sh\necho "$GLIBC_TUNABLES" > ${seen}\n${process.execPath} "$@" | tee ${answered}\n`,
        );
        await chmod(runtime, 0o755);
        const salt = randomBytes(16);
        const key = await deriveKey('a passphrase', salt, LOG_N, runtime);
        expect(key.equals(reference('a passphrase', salt))).toBe(true);
        expect((await readFile(seen, 'utf8')).trim()).toContain('glibc.malloc.hugetlb=1');
        expect(await readFile(answered, 'utf8')).toBe(key.toString('hex'));
      } finally {
        await dir.remove();
      }
    },
  );
});
