// @vitest-environment happy-dom
// Mounting from Browse files over a real API (the engine in this process, as root) and a real
// image of an ext4 disk made by mkfs.ext4 from a folder: in a browser the button mounts and the
// screen says where (the folder shown holds the file's bytes); "Unmount" undoes it and says
// so. The desktop app's button is "Open in file manager"; here no file manager can open (the
// API has none), and the screen says that it did not, the mount itself still shown.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../../src-main/test-support/cli.js';
import { makeExtDisk } from '../../src-main/test-support/ext-disk.js';
import { noLoopReason } from '../../src-main/test-support/root.js';
import { sh } from '../../src-main/test-support/shell.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import type { Transport } from '../api/connect.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { BrowsePage } from './BrowsePage.js';
import { useBrowse } from './browse-store.js';

const canMount =
  noLoopReason ??
  (await sh('test -c /dev/fuse && which nbdfuse').then(
    () => null,
    () => 'needs /dev/fuse and nbdfuse (libnbd-bin)',
  ));

describe.skipIf(canMount !== null)(`Browse files: mount (${canMount ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let image: string;
  const bytes = randomBytes(200_000);
  const runtimeBefore = process.env.XDG_RUNTIME_DIR;

  beforeAll(async () => {
    dir = await tempDir();
    const files = join(dir.path, 'files');
    await mkdir(files);
    await writeFile(join(files, 'letter.odt'), bytes);
    const disk = join(dir.path, 'disk.img');
    await makeExtDisk(disk, 24, [{ sizeMiB: 16, files, label: 'docs' }]);
    image = join(dir.path, 'docs.img.zst');
    const made = await spillway(['backup', disk, image]);
    expect(made.code, made.stderr).toBe(0);
    process.env.XDG_RUNTIME_DIR = join(dir.path, 'run');
    await mkdir(process.env.XDG_RUNTIME_DIR);
    real = realApi(dir.path);
  }, 120_000);

  afterEach(async () => {
    cleanup();
    for (const m of await real.api.listMounts({})) await real.api.unmountImage(m);
  });

  afterAll(async () => {
    real?.close();
    if (runtimeBefore === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = runtimeBefore;
    await dir?.remove();
  });

  async function show(transport: Transport) {
    useBrowse.setState({ image: null, listing: null });
    await useBrowse.getState().openImage(real.api, image, 'images');
    render(
      <ApiProvider value={{ api: real.api, transport }}>
        <BrowsePage />
      </ApiProvider>,
    );
  }

  it('in a browser: mounts, says where, and unmounts', async () => {
    const user = userEvent.setup();
    await show('browser');
    expect(screen.queryByRole('button', { name: 'Open in file manager' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Mount the partitions' }));
    const folder = join(dir.path, 'run', 'spillway-mounts', 'docs');
    const said = await screen.findByText(/^Mounted read-only at/, {}, { timeout: 30_000 });
    expect(said.textContent).toBe(`Mounted read-only at ${folder}`);
    const parts = screen.getByRole('list', { name: 'Mounted partitions' });
    expect(within(parts).getByRole('listitem').textContent).toBe(
      `Partition 1 (ext4): ${folder}/1-docs`,
    );
    expect((await readFile(join(folder, '1-docs', 'letter.odt'))).equals(bytes)).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Unmount' }));
    expect(
      (await screen.findByText(`Unmounted ${folder}.`, {}, { timeout: 30_000 })).textContent,
    ).toBeTruthy();
    expect(await stat(folder).catch(() => null)).toBeNull();
    expect(await real.api.listMounts({})).toEqual([]);
    expect(screen.getByRole('button', { name: 'Mount the partitions' })).toBeTruthy();
  }, 60_000);

  it('in the desktop app the button is “Open in file manager”', async () => {
    const user = userEvent.setup();
    await show('electron');
    expect(screen.queryByRole('button', { name: 'Mount the partitions' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Open in file manager' }));
    await screen.findByText(/^Mounted read-only at/, {}, { timeout: 30_000 });
    // This API has no file manager to open (it is not the desktop app's): said, not hidden.
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Only the desktop app can open a folder window.',
    );
    expect(screen.getByRole('button', { name: 'Unmount' })).toBeTruthy();
  }, 60_000);
});
