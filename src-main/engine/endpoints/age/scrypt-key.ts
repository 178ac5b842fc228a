// The key a passphrase stanza wraps the file key with (age-encryption.org/v1, "The scrypt
// recipient type"): scrypt of the passphrase, salted with the stanza's label and 16 random
// bytes, with node:crypto (OpenSSL). Kept apart from scrypt-stanza.ts, which brings the age
// library: a backup starts the derivation (about a second of a core at age's work factor)
// before that library has even loaded.
//
// On Linux the key is derived in a short-lived process of its own. scrypt at 2^18 fills
// 256 MiB and reads it back at random: with glibc told to back large allocations with huge
// pages (GLIBC_TUNABLES, which glibc reads only when a process starts), it took 0.73–1.19 s
// against 1.31–1.72 s in the job's own process (4 alternating runs on a 2-core VM), where
// each of its 65 536 small pages costs a page fault and a TLB miss. The 256 MiB then never
// count against the job's memory either. When that process cannot run, the key is derived
// here, on libuv's thread pool, as before.

import { spawn } from 'node:child_process';
import { randomBytes, scrypt } from 'node:crypto';

const LABEL = 'age-encryption.org/v1/scrypt';
export const SALT_BYTES = 16;
/** age's default work factor (log2 N), as the age CLI writes it. */
export const DEFAULT_LOG_N = 18;

/** What node:crypto's scrypt is asked, here and in the child alike. */
interface ScryptJob {
  passphrase: string;
  /** The salt as scrypt takes it: the label, then the stanza's random bytes (hex). */
  salt: string;
  N: number;
  maxmem: number;
}

function scryptJob(passphrase: string, salt: Uint8Array, logN: number): ScryptJob {
  const N = 2 ** logN;
  return {
    passphrase,
    salt: Buffer.concat([Buffer.from(LABEL), salt]).toString('hex'),
    N,
    maxmem: 128 * 8 * N + 16 * 1024 * 1024,
  };
}

/** The child's whole program: a job on stdin (JSON), the key on stdout (hex). */
const CHILD_PROGRAM = `
const { scrypt } = require('node:crypto');
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (piece) => { text += piece; });
process.stdin.on('end', () => {
  const job = JSON.parse(text);
  scrypt(Buffer.from(job.passphrase, 'utf8'), Buffer.from(job.salt, 'hex'), 32,
    { N: job.N, r: 8, p: 1, maxmem: job.maxmem },
    (error, key) => { if (error) process.exit(1); else process.stdout.write(key.toString('hex')); });
});
`;

/** The key for `passphrase` and a stanza's `salt` at work factor 2^logN. */
export async function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  logN: number,
  runtime: string = process.execPath,
): Promise<Buffer> {
  const job = scryptJob(passphrase, salt, logN);
  if (process.platform === 'linux') {
    const key = await deriveInChild(job, runtime).catch(() => null);
    if (key) return key;
  }
  return deriveHere(job);
}

function deriveHere(job: ScryptJob): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      Buffer.from(job.passphrase, 'utf8'),
      Buffer.from(job.salt, 'hex'),
      32,
      { N: job.N, r: 8, p: 1, maxmem: job.maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/** The key from `runtime` (Node, or Electron acting as Node) started with huge pages. The
 *  passphrase goes through a pipe, never the command line or the environment. */
function deriveInChild(job: ScryptJob, runtime: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tunables = [process.env.GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1'].filter(Boolean);
    const child = spawn(runtime, ['-e', CHILD_PROGRAM], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, GLIBC_TUNABLES: tunables.join(':'), ELECTRON_RUN_AS_NODE: '1' },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (piece: string) => (out += piece));
    child.once('error', reject);
    child.stdin.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && /^[0-9a-f]{64}$/.test(out)) resolve(Buffer.from(out, 'hex'));
      else reject(new Error(`the key's process ended with ${code}`));
    });
    child.stdin.end(JSON.stringify(job));
  });
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
