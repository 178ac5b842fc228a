// Running the real tools the tests check against (zstd, gzip, cmp, losetup...).

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a bash command line (pipes allowed); resolves with its output, rejects on failure. */
export async function sh(command: string): Promise<string> {
  const { stdout } = await execFileAsync('bash', ['-o', 'pipefail', '-c', command], {
    maxBuffer: 64 * 2 ** 20,
  });
  return stdout;
}

/**
 * Runs a program with its arguments (no shell, so nothing needs quoting); `input` is written to
 * its stdin. Resolves with its output; rejects with its stderr on failure.
 */
export function run(
  file: string,
  args: string[],
  options: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${file} ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`));
    });
    // A program that exits without reading its input makes the write fail (EPIPE): its exit
    // code tells what went wrong.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Like sh, but resolves with the exit code and both outputs instead of rejecting. */
export function shStatus(
  command: string,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A command that exits without reading its input makes the write fail (EPIPE): harmless.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Quotes a path for a shell command line. */
export function q(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}
