// Fixture disks from ../shared/fixtures/make-test-disk.sh (real partition table, real mkfs,
// real files, stale data in free space), built once per machine and reused: they are cached
// under /var/tmp keyed by the script's content and the options, and never written by tests
// (sources are attached read-only; targets are fresh files).

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SHARED_DIR } from './paths.js';
import { q, sh } from './shell.js';

export const SHARED_FIXTURES = join(SHARED_DIR, 'fixtures');
export const MAKE_TEST_DISK = join(SHARED_FIXTURES, 'make-test-disk.sh');
export const FAULTY_FILE = join(SHARED_FIXTURES, 'faulty-file.py');
const CACHE = '/var/tmp/spillway-fixtures';

export interface DiskOptions {
  sizeMiB: number;
  table?: 'gpt' | 'mbr';
  seed?: string;
  fillPct?: number;
  prefill?: 'random' | 'zero';
}

/** Path of a fixture disk image, built on first use. Needs root (loop devices, mount). */
export async function fixtureDisk(options: DiskOptions): Promise<string> {
  const env = {
    TABLE: options.table ?? 'gpt',
    SEED: options.seed ?? 'spillway-1',
    FILL_PCT: String(options.fillPct ?? 40),
    PREFILL: options.prefill ?? 'random',
  };
  const script = await readFile(MAKE_TEST_DISK);
  const key = createHash('sha256')
    .update(script)
    .update(JSON.stringify({ ...env, size: options.sizeMiB }))
    .digest('hex')
    .slice(0, 16);
  const path = join(CACHE, `disk-${options.sizeMiB}M-${env.TABLE}-${key}.img`);
  if (existsSync(path)) return path;
  await mkdir(CACHE, { recursive: true });
  // Several test runs (other worktrees) may build the same disk at once: each builds its own
  // copy and the last rename wins; both copies are equal.
  const partial = `${path}.${process.pid}.building`;
  await rm(partial, { force: true });
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}=${q(v)}`)
    .join(' ');
  await sh(`${vars} bash ${q(MAKE_TEST_DISK)} ${options.sizeMiB} ${q(partial)} 2>/dev/null`);
  await rename(partial, path);
  return path;
}

/** A file of `bytes` pseudo-random bytes from `seed` (fast: AES-CTR keystream). */
export async function randomFile(path: string, bytes: number, seed = 'target'): Promise<void> {
  const key = createHash('sha256').update(seed).digest('hex');
  await sh(
    `head -c ${bytes} /dev/zero | openssl enc -aes-256-ctr -K ${key} -iv ${key.slice(0, 32)} > ${q(path)}`,
  );
}
