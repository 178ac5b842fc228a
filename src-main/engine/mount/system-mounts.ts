// The system's side of a mount, as facts and commands: which filesystem types can be mounted
// here, whether a path is a mount point, what file a loop device reads, and the commands
// (losetup, mount, umount, fusermount3) run without blocking this process's event loop —
// the process that mounts also serves the bytes the kernel reads while mounting.

import { execFile } from 'node:child_process';
import { access, readFile, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs `command`; a failure carries its stderr as the message. */
export async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${command} is not installed`, { cause: error });
    throw new Error((e.stderr ?? '').trim() || e.message, { cause: error });
  }
}

const FUSE_HELPERS = ['ntfs-3g', 'exfat-fuse'];

/** Kernel filesystem types loaded now, and the FUSE drivers mount(8) can run. */
export async function mountableTypes(): Promise<Set<string>> {
  const types = new Set<string>();
  const text = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const name = line.trim().split(/\s+/).pop();
    if (name) types.add(name);
  }
  for (const helper of FUSE_HELPERS) {
    for (const dir of ['/sbin', '/usr/sbin', '/bin', '/usr/bin']) {
      if (
        await access(`${dir}/mount.${helper}`).then(
          () => true,
          () => false,
        )
      )
        types.add(helper);
    }
  }
  return types;
}

/** Mount points as /proc/self/mountinfo has them (its octal escapes undone). */
async function mountPoints(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field) {
      points.add(
        field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
      );
    }
  }
  return points;
}

export async function isMountPoint(path: string): Promise<boolean> {
  const real = await realpath(path).catch(() => path);
  return (await mountPoints()).has(real);
}

/** The file a loop device reads, or null when it is detached. */
export async function loopBackingFile(device: string): Promise<string | null> {
  const text = await readFile(`/sys/block/${basename(device)}/loop/backing_file`, 'utf8').catch(
    () => null,
  );
  return text === null ? null : text.trim();
}

/** Attaches a read-only loop device over bytes [offset, offset + size) of `file`. */
export async function attachLoop(file: string, offset: number, size: number): Promise<string> {
  const out = await run('losetup', [
    '--read-only',
    '--find',
    '--show',
    '--offset',
    String(offset),
    '--sizelimit',
    String(size),
    file,
  ]);
  return out.trim();
}

/** Whether process `pid` runs and its command line holds `word`. */
export async function processRuns(pid: number, word: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  return cmdline !== null && cmdline.includes(word);
}
