// `spillway mount IMAGE DIR`: the image's partitions appear read-only under DIR, mounted by
// the system's own drivers, so any program can open their files.
//
//   image reader ─► NBD server (this process, a Unix socket in a private folder)
//     ─► nbdfuse (the drive as one read-only file, FUSE) ─► a read-only loop device per
//     partition (losetup --offset --sizelimit) ─► mount -o ro (ext: the kernel, noload;
//     NTFS: ntfs-3g; exFAT: exfat-fuse or the kernel's) on DIR/N-label
//
// The process that mounts stays to serve the bytes (foreground, so it is plain to see what
// holds the mount, and Ctrl-C undoes it; a daemon would need a second way to find and stop
// it). Every step is written to DIR/.spillway-mount.json before the next, so `spillway
// unmount DIR` can undo what was done even if this process died; undoing is the same code
// either way and only touches what the state file names and still is ours.

import type { AgeKeys } from '../endpoints/age/age-keys.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { SpillwayError } from '../errors.js';
import { ImageBrowser } from '../browse/image-browser.js';
import { driverFor, folderName } from './mount-plan.js';
import { serveNbd, type NbdServer } from './nbd-server.js';
import {
  attachLoop,
  isMountPoint,
  loopBackingFile,
  mountableTypes,
  processRuns,
  run,
} from './system-mounts.js';

export const STATE_FILE = '.spillway-mount.json';

const MountStateSchema = z.object({
  version: z.literal(1),
  /** The process serving the image. */
  pid: z.number().int(),
  image: z.string(),
  /** Private folder (0700) holding the socket and nbdfuse's mount point. */
  runtime: z.string(),
  fuseMount: z.string(),
  driveFile: z.string(),
  nbdfusePid: z.number().int().nullable(),
  loops: z.array(z.string()),
  mounts: z.array(z.string()),
  /** Folders made in DIR, removed when unmounting. */
  folders: z.array(z.string()),
});
export type MountState = z.infer<typeof MountStateSchema>;

export interface MountedPartition {
  index: number;
  filesystem: string | null;
  folder: string;
  device: string;
}

export interface SkippedPartition {
  index: number;
  filesystem: string | null;
  reason: string;
}

export interface Mounted {
  dir: string;
  mounted: MountedPartition[];
  skipped: SkippedPartition[];
  /** Resolves once everything is undone (by unmount(), `spillway unmount`, or nbdfuse gone). */
  readonly ended: Promise<void>;
  /** Undoes everything; safe to call more than once. */
  unmount(): Promise<void>;
}

/** Mounts `image`'s partitions under the existing empty folder `dir`. Needs root. */
export async function mountImage(
  image: string,
  dirGiven: string,
  options: { threads?: number; onReadError?(error: unknown): void; age?: AgeKeys } = {},
): Promise<Mounted> {
  const dir = resolve(dirGiven);
  await checkFolder(dir);
  if (process.getuid?.() !== 0) {
    throw new SpillwayError(
      'permission-denied',
      'Mounting an image needs root (run it with sudo).',
    );
  }
  const browser = await ImageBrowser.open(image, {
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.age ? { age: options.age } : {}),
  });
  const runtime = await mkdtemp(join(tmpdir(), 'spillway-mount-'));
  const state: MountState = {
    version: 1,
    pid: process.pid,
    image,
    runtime,
    fuseMount: join(runtime, 'drive'),
    driveFile: join(runtime, 'drive', 'disk'),
    nbdfusePid: null,
    loops: [],
    mounts: [],
    folders: [],
  };
  const save = () => writeFile(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  let server: NbdServer | null = null;
  let undoing: Promise<void> | null = null;
  let ended!: () => void;
  const endedPromise = new Promise<void>((r) => (ended = r));

  const unmount = () =>
    (undoing ??= (async () => {
      await undo(dir, state);
      await server?.close();
      await browser.close();
      ended();
    })());

  try {
    await save();
    const { partitions } = await browser.layout();
    server = await serveNbd(join(runtime, 'nbd.sock'), browser.reader, options.onReadError);
    await mkdir(state.fuseMount);
    const nbdfuse = await startNbdfuse(state, server.socketPath);
    state.nbdfusePid = nbdfuse.pid ?? null;
    await save();

    const types = await mountableTypes();
    const mounted: MountedPartition[] = [];
    const skipped: SkippedPartition[] = [];
    for (const p of partitions) {
      const choice = driverFor(p.filesystem, types);
      if (!choice.driver) {
        skipped.push({ index: p.index, filesystem: p.filesystem, reason: choice.reason });
        continue;
      }
      const folder = join(dir, folderName(p.index, p.label, p.filesystem));
      await mkdir(folder);
      state.folders.push(folder);
      const device = await attachLoop(state.driveFile, p.start, p.size);
      state.loops.push(device);
      await save();
      const { type, options: mountOptions } = choice.driver;
      try {
        await run('mount', ['-t', type, '-o', mountOptions, device, folder]);
      } catch (error) {
        skipped.push({
          index: p.index,
          filesystem: p.filesystem,
          reason: `the system's ${type} driver could not mount it: ${(error as Error).message}`,
        });
        await run('losetup', ['--detach', device]).catch(() => {});
        state.loops.pop();
        await rmdir(folder).catch(() => {});
        state.folders.pop();
        await save();
        continue;
      }
      state.mounts.push(folder);
      await save();
      mounted.push({ index: p.index, filesystem: p.filesystem, folder, device });
    }
    // nbdfuse gone (its mount undone from outside): nothing can be read any more; undo.
    nbdfuse.once('exit', () => void unmount());
    return { dir, mounted, skipped, ended: endedPromise, unmount };
  } catch (error) {
    await unmount().catch(() => {});
    throw error;
  }
}

/** DIR must be an existing folder with nothing in it (no mount of ours already there). */
async function checkFolder(dir: string): Promise<void> {
  const there = await stat(dir).catch(() => null);
  if (!there?.isDirectory()) {
    throw new SpillwayError(
      'not-found',
      `${dir} is not a folder: make an empty folder to mount into.`,
    );
  }
  const inside = await readdir(dir);
  if (inside.includes(STATE_FILE)) {
    throw new SpillwayError('usage', `An image is already mounted at ${dir}.`, {
      facts: { folder: dir },
      remedy: 'unmount-image-first',
    });
  }
  if (inside.length > 0) {
    throw new SpillwayError('usage', `${dir} is not empty: mount into an empty folder.`);
  }
}

/** nbdfuse in the foreground as our child; resolves once its file is there. */
async function startNbdfuse(state: MountState, socket: string): Promise<ChildProcess> {
  const pidFile = join(state.runtime, 'nbdfuse.pid');
  // In its own process group: Ctrl-C on the terminal reaches this process, which undoes the
  // mount in order, not nbdfuse, which would pull the file from under the loop devices.
  const child = spawn('nbdfuse', ['-r', '-P', pidFile, state.driveFile, '--unix', socket], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let said = '';
  child.stderr!.on('data', (d: Buffer) => (said += d.toString()).slice(-4000));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new SpillwayError(
              'not-found',
              'Mounting an image needs nbdfuse, which is not installed on this computer.',
              { facts: { program: 'nbdfuse', package: 'libnbd-bin' }, remedy: 'install-program' },
            )
          : new Error(`nbdfuse could not start: ${e.message}`),
      ),
    );
    child.once('exit', (code) => reject(new Error(`nbdfuse stopped (${code}): ${said.trim()}`)));
  });
  exited.catch(() => {});
  const ready = (async () => {
    for (let i = 0; i < 300; i++) {
      if (
        await readFile(pidFile).then(
          () => true,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('nbdfuse did not get ready within 15 s');
  })();
  await Promise.race([ready, exited]);
  return child;
}

/**
 * Undoes what `state` records, last step first, touching only what is still ours: mount
 * points still mounted, loop devices still reading our drive file, our nbdfuse.
 */
export async function undo(dir: string, state: MountState): Promise<void> {
  for (const folder of [...state.mounts].reverse()) {
    if (await isMountPoint(folder)) await unmountBusy(folder);
  }
  for (const device of state.loops) {
    if ((await loopBackingFile(device)) === state.driveFile) {
      await run('losetup', ['--detach', device]);
      // A FUSE driver may hold the device a moment after its umount: the kernel detaches it
      // when that driver lets go (autoclear); wait for that, so nothing is left attached.
      for (let i = 0; i < 100 && (await loopBackingFile(device)) === state.driveFile; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  if (await isMountPoint(state.fuseMount)) await run('fusermount3', ['-u', state.fuseMount]);
  if (state.nbdfusePid !== null) await waitGone(state.nbdfusePid, state.driveFile);
  for (const folder of state.folders) await rmdir(folder).catch(() => {});
  await rm(state.runtime, { recursive: true, force: true });
  await rm(join(dir, STATE_FILE), { force: true });
}

/** umount, retried for a moment when busy (a file manager closing its window). */
async function unmountBusy(folder: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await run('umount', [folder]);
      return;
    } catch (error) {
      if (attempt >= 10) {
        throw new SpillwayError(
          'target-busy',
          `${folder} is in use (a program has a file or folder there open): nothing more was undone.`,
          { facts: { folder }, remedy: 'close-and-unmount-again', cause: error },
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Waits for our nbdfuse to exit (it does once its mount is undone); then ends it. */
async function waitGone(pid: number, driveFile: string): Promise<void> {
  for (let i = 0; i < 100 && (await processRuns(pid, driveFile)); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (await processRuns(pid, driveFile)) process.kill(pid, 'SIGTERM');
}

/** The state a mount left in `dir`, or null when nothing of ours is mounted there. */
export async function readMountState(dir: string): Promise<MountState | null> {
  const text = await readFile(join(dir, STATE_FILE), 'utf8').catch(() => null);
  if (text === null) return null;
  const parsed = MountStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new SpillwayError('usage', `${join(dir, STATE_FILE)} is not a Spillway mount record.`);
  }
  return parsed.data;
}
