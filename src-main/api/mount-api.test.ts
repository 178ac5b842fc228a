// Mounting an image through the API as the app and `spillway ui` do it: the handler chooses
// and makes the folder, the real privileged helper (a child process; root here, so no prompt)
// mounts there. A small GPT disk made by the real mkfs.ext4 from a folder of files is backed
// up by the real CLI; through the mount a file reads back byte for byte; unmount leaves
// nothing mounted, attached or running, and no folder. Stopping the helper (the app quitting,
// the server's shutdown) undoes a mount the same way, as does closing an in-process runner.
// An encrypted image mounts with its passphrase, and without it (or with a wrong one) says so.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../src-shared/api-client.js';
import type { ImageMount } from '../../src-shared/api.js';
import { spillway } from '../test-support/cli.js';
import { makeExtDisk } from '../test-support/ext-disk.js';
import { portLink } from '../test-support/port-link.js';
import { noLoopReason } from '../test-support/root.js';
import { sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';
import { serveApi, type ApiBackend } from './api-handler.js';
import { appBackend } from './app-backend.js';
import { inProcessRunner } from '../jobs/in-process-runner.js';
import { STATE_FILE } from '../engine/mount/mount-image.js';

const canMount =
  noLoopReason ??
  (await sh('test -c /dev/fuse && which nbdfuse').then(
    () => null,
    () => 'needs /dev/fuse and nbdfuse (libnbd-bin)',
  ));

/** Nothing of `mount` is left: no mount under its folder, no loop device over its drive
 *  file, no nbdfuse serving it, and no folder. */
async function nothingLeft(mount: ImageMount): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  expect(mountinfo).not.toContain(mount.folder);
  expect(mountinfo).not.toMatch(/spillway-mount-[^ ]*\/drive/);
  expect(await sh('losetup -a')).not.toMatch(/spillway-mount-/);
  expect(await sh('pgrep -a nbdfuse || true')).not.toMatch(/spillway-mount-/);
  expect(await stat(mount.folder).catch(() => null)).toBeNull();
}

describe.skipIf(canMount !== null)(`mounting through the API (${canMount ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  const photo = randomBytes(3 * 2 ** 20 + 123);
  const opened: Array<{ api: ApiClient; backend: ApiBackend; stop(): void }> = [];
  const runtimeBefore = process.env.XDG_RUNTIME_DIR;

  beforeAll(async () => {
    dir = await tempDir();
    const files = join(dir.path, 'files');
    await mkdir(join(files, 'photos'), { recursive: true });
    await writeFile(join(files, 'photos', 'beach.jpg'), photo);
    await writeFile(join(files, 'notes.txt'), 'remember the milk\n');
    const disk = join(dir.path, 'disk.img');
    await makeExtDisk(disk, 40, [{ sizeMiB: 32, files, label: 'home' }]);
    image = join(dir.path, 'holiday.img.zst');
    const made = await spillway(['backup', disk, image]);
    expect(made.code, made.stderr).toBe(0);
    // The app's mount folders go in the user's runtime folder: the test's own here.
    process.env.XDG_RUNTIME_DIR = join(dir.path, 'run');
    await mkdir(process.env.XDG_RUNTIME_DIR);
  }, 120_000);

  afterAll(async () => {
    for (const o of opened) {
      o.api.close();
      o.stop();
      await o.backend.runner.close();
    }
    if (runtimeBefore === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = runtimeBefore;
    await dir?.remove();
  }, 60_000);

  /** The API over a MessageChannel, on the app's backend (the real helper) or a runner. */
  function connect(runner?: ReturnType<typeof inProcessRunner>) {
    const data = join(dir.path, `data-${opened.length}`);
    const backend = runner ? appBackend(data, runner) : appBackend(data);
    const { port1, port2 } = new MessageChannel();
    const stop = serveApi(backend, portLink(port2));
    const api = createApiClient(portLink(port1));
    const o = {
      api,
      backend,
      stop() {
        stop();
        port1.close();
        port2.close();
      },
    };
    opened.push(o);
    return o;
  }

  it('mounts read-only through the helper, the bytes are the file’s; unmount leaves nothing', async () => {
    const { api } = connect();
    const mount = await api.mountImage({ image });
    expect(mount.folder).toBe(join(dir.path, 'run', 'spillway-mounts', 'holiday'));
    expect(mount.partitions).toEqual([
      { index: 1, filesystem: 'ext4', folder: join(mount.folder, '1-home') },
    ]);
    const part = mount.partitions[0]!.folder;
    expect(readFileSync(join(part, 'photos', 'beach.jpg')).equals(photo)).toBe(true);
    expect(await readFile(join(part, 'notes.txt'), 'utf8')).toBe('remember the milk\n');
    // Read-only: a write is refused by the system.
    await expect(writeFile(join(part, 'new.txt'), 'x')).rejects.toThrow(/EROFS|read-only/i);
    expect(await api.listMounts({})).toEqual([mount]);
    // The same image again is the same mount.
    expect(await api.mountImage({ image })).toEqual(mount);
    // Only the app's own mounts can be unmounted or opened.
    await expect(api.unmountImage({ folder: dir.path })).rejects.toMatchObject({
      info: { code: 'not-found' },
    });
    await expect(api.openMountFolder({ folder: '/etc' })).rejects.toMatchObject({
      info: { code: 'not-found' },
    });

    expect(await api.unmountImage({ folder: mount.folder })).toEqual({ folder: mount.folder });
    await nothingLeft(mount);
    expect(await api.listMounts({})).toEqual([]);
  }, 120_000);

  it('mounts an encrypted image with its passphrase; without it, or with a wrong one, says so', async () => {
    const passFile = join(dir.path, 'pass.txt');
    await writeFile(passFile, 'lighthouse 1904 fog\n');
    const encrypted = join(dir.path, 'locked.img.zst.age');
    const made = await spillway([
      'backup',
      join(dir.path, 'disk.img'),
      encrypted,
      '--passphrase-file',
      passFile,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const { api, backend } = connect();
    await expect(api.mountImage({ image: encrypted })).rejects.toMatchObject({
      info: { code: 'image-locked', remedy: 'give-passphrase' },
    });
    await expect(
      api.mountImage({ image: encrypted, key: { passphrase: 'lighthouse 1904' } }),
    ).rejects.toMatchObject({ info: { code: 'wrong-key' } });
    // Refused before anything was mounted: no folder left behind.
    expect(await readdir(join(dir.path, 'run', 'spillway-mounts'))).not.toContain('locked');
    const mount = await api.mountImage({
      image: encrypted,
      key: { passphrase: 'lighthouse 1904 fog' },
    });
    const part = mount.partitions[0]!.folder;
    expect(readFileSync(join(part, 'photos', 'beach.jpg')).equals(photo)).toBe(true);
    await api.unmountImage({ folder: mount.folder });
    await nothingLeft(mount);
    await backend.runner.close();
  }, 120_000);

  it('stopping the helper (the app quits, the server shuts down) undoes its mounts', async () => {
    const { api, backend } = connect();
    const mount = await api.mountImage({ image });
    expect(readFileSync(join(mount.partitions[0]!.folder, 'photos', 'beach.jpg')).length).toBe(
      photo.length,
    );
    await backend.runner.close();
    await nothingLeft(mount);
  }, 120_000);

  it('Ctrl-C on the server’s terminal (SIGINT to the helper too) undoes its mounts', async () => {
    const { api } = connect();
    const mount = await api.mountImage({ image });
    const record = JSON.parse(await readFile(join(mount.folder, STATE_FILE), 'utf8')) as {
      pid: number;
    };
    process.kill(record.pid, 'SIGINT');
    for (let i = 0; i < 300 && (await stat(mount.folder).catch(() => null)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await nothingLeft(mount);
  }, 120_000);

  it('a mount whose helper was killed is undone by the next helper, from its record', async () => {
    const { api } = connect();
    const mount = await api.mountImage({ image });
    const record = JSON.parse(await readFile(join(mount.folder, STATE_FILE), 'utf8')) as {
      pid: number;
    };
    // The helper serving it (ours: its pid is in our folder's record) dies without undoing.
    process.kill(record.pid, 'SIGKILL');
    // Until it is reaped, not only dead: the host learns of the exit when it reaps its child,
    // and a question sent before then goes to the dead helper (a zombie still answers kill 0).
    for (let i = 0; i < 200 && isRunning(record.pid); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await readFile('/proc/self/mountinfo', 'utf8')).includes(mount.folder)).toBe(true);
    expect(await api.listMounts({})).toEqual([mount]);
    expect(await api.unmountImage({ folder: mount.folder })).toEqual({ folder: mount.folder });
    await nothingLeft(mount);
  }, 120_000);

  it('refuses a mounts folder others can enter (a link could be swapped in)', async () => {
    const shared = join(dir.path, 'run-shared');
    await mkdir(join(shared, 'spillway-mounts'), { recursive: true });
    await chmod(join(shared, 'spillway-mounts'), 0o777);
    process.env.XDG_RUNTIME_DIR = shared;
    try {
      const { api } = connect(inProcessRunner());
      await expect(api.mountImage({ image })).rejects.toMatchObject({
        info: { code: 'permission-denied' },
      });
    } finally {
      process.env.XDG_RUNTIME_DIR = join(dir.path, 'run');
    }
    expect(await readdir(join(shared, 'spillway-mounts'))).toEqual([]);
  }, 60_000);

  it('without nbdfuse: says which program to install, and leaves no folder', async () => {
    const runner = inProcessRunner();
    const { api } = connect(runner);
    const path = process.env.PATH;
    process.env.PATH = join(dir.path, 'files'); // no nbdfuse there
    try {
      await expect(api.mountImage({ image })).rejects.toMatchObject({
        info: {
          code: 'not-found',
          facts: { program: 'nbdfuse', package: 'libnbd-bin' },
          remedy: 'install-program',
        },
      });
    } finally {
      process.env.PATH = path;
    }
    expect(await readdir(join(dir.path, 'run', 'spillway-mounts'))).toEqual([]);
    expect(await api.listMounts({})).toEqual([]);
    await runner.close();
  }, 60_000);

  it('closing an in-process runner undoes its mounts too', async () => {
    const runner = inProcessRunner();
    const { api } = connect(runner);
    const mount = await api.mountImage({ image });
    expect(mount.partitions).toHaveLength(1);
    await runner.close();
    await nothingLeft(mount);
  }, 120_000);
});

/** Whether a process (or its zombie) is there. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
