// The app's side of mounting an image: it chooses the folder (one per image, in a folder of
// the user's: the runtime folder when there is one), makes it as the user, so the user's file
// manager can open it, and asks the runner (the privileged helper) to mount there. It knows
// which folders are its mounts: only those can be unmounted or opened through the API, so a
// page cannot name another folder. The runner undoes its mounts and removes their folders
// when it stops (the app quitting, the server's shutdown).

import { lstat, mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ImageKey, ImageMount } from '../../src-shared/api.js';
import { SpillwayError } from '../engine/errors.js';
import type { JobRunner } from '../jobs/job-runner.js';

/** The folder that holds the app's mounts, one folder per image inside. */
export function mountsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) return join(runtime, 'spillway-mounts');
  return join(tmpdir(), `spillway-mounts-${process.getuid?.() ?? 'user'}`);
}

/** "photos.img.zst" → "photos": a name a file manager shows well. */
export function mountFolderName(image: string, taken: ReadonlySet<string>): string {
  const stem =
    basename(image)
      .replace(/(\.(img|zst|gz|xz|lz4|age|\d{3}))+$/i, '')
      .replace(/[^\p{L}\p{N}._ -]/gu, '_')
      .replace(/^\.+/, '')
      .slice(0, 80) || 'image';
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

export class AppMounts {
  private readonly book = new Map<string, ImageMount>();

  constructor(
    private readonly runner: JobRunner,
    private readonly root: string = mountsRoot(),
  ) {}

  async mount(image: string, key?: ImageKey): Promise<ImageMount> {
    if (process.platform !== 'linux') {
      throw new SpillwayError('usage', 'Mounting images works on Linux only, for now.');
    }
    const already = [...this.book.values()].find((m) => m.image === image);
    if (already && (await this.stillMounted(already))) return already;
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await checkPrivate(this.root);
    const folder = join(
      this.root,
      mountFolderName(image, new Set(await readdir(this.root).catch(() => []))),
    );
    await mkdir(folder, { mode: 0o700 });
    try {
      const mount = (await this.runner.ask({
        method: 'mountImage',
        params: { image, folder, ...(key ? { key } : {}) },
      })) as ImageMount;
      this.book.set(folder, mount);
      return mount;
    } catch (error) {
      await rmdir(folder).catch(() => {});
      throw error;
    }
  }

  async unmount(folder: string): Promise<{ folder: string }> {
    if (!this.book.has(folder)) {
      throw new SpillwayError('not-found', `No image Spillway mounted is at ${folder}.`, {
        facts: { folder },
      });
    }
    try {
      await this.runner.ask({ method: 'unmountImage', params: { folder } });
    } catch (error) {
      // Undone meanwhile (the runner stopped, its nbdfuse went away): nothing to undo.
      if (!(error instanceof SpillwayError && error.code === 'not-found')) throw error;
    }
    this.book.delete(folder);
    await rmdir(folder).catch(() => {});
    return { folder };
  }

  /** The mounts still there (one undone from outside is dropped). */
  async list(): Promise<ImageMount[]> {
    const mounts: ImageMount[] = [];
    for (const [folder, mount] of this.book) {
      if (await this.stillMounted(mount)) mounts.push(mount);
      else this.book.delete(folder);
    }
    return mounts;
  }

  /** One of this app's mount folders (the image's, or a partition's), or an error. */
  ownFolder(folder: string): string {
    for (const mount of this.book.values()) {
      if (mount.folder === folder || mount.partitions.some((p) => p.folder === folder)) {
        return folder;
      }
    }
    throw new SpillwayError('not-found', `No image Spillway mounted is at ${folder}.`, {
      facts: { folder },
    });
  }

  /** Its folder is there: the runner removes it when the mount is undone. */
  private async stillMounted(mount: ImageMount): Promise<boolean> {
    return (await stat(mount.folder).catch(() => null))?.isDirectory() ?? false;
  }
}

/**
 * The helper mounts as root into this folder: it must be a real folder of this user's that no
 * one else can enter, or another user could swap a folder in it for a link to /etc between
 * the check and the mount (the fallback lives in the shared temp folder).
 */
async function checkPrivate(root: string): Promise<void> {
  const info = await lstat(root);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new SpillwayError(
      'permission-denied',
      `${root} is not a private folder of this user's, so nothing is mounted in it.`,
      { facts: { folder: root } },
    );
  }
}

/** One book of mounts per backend, whichever connection asks. */
const books = new WeakMap<object, AppMounts>();

export function appMountsOf(backend: { runner: JobRunner }): AppMounts {
  let book = books.get(backend);
  if (!book) books.set(backend, (book = new AppMounts(backend.runner)));
  return book;
}
