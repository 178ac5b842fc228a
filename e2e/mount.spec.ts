// Mounting from Browse files, end to end in real Chromium against `spillway ui` (as root: its
// helper mounts without a prompt): a GPT disk whose ext4 partition mkfs.ext4 fills from a
// folder is backed up by the built CLI; in the browser "Mount the partitions" shows the folder
// the partitions are in (the test reads a file there and compares its bytes), "Unmount" says
// it happened and leaves nothing. Mounted again, stopping the server undoes it: nothing stays
// mounted, attached or running, and the folder is gone.

import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { spillway } from '../src-main/test-support/cli.js';
import { makeExtDisk } from '../src-main/test-support/ext-disk.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { seededStream } from '../src-main/test-support/seeded-bytes.js';
import { sh } from '../src-main/test-support/shell.js';
import { shoot } from './screens.js';
import { uiFixture } from './ui-fixture.js';

const canMount =
  noLoopReason ??
  (await sh('test -c /dev/fuse && which nbdfuse').then(
    () => null,
    () => 'needs /dev/fuse and nbdfuse (libnbd-bin)',
  ));

let files: string;
let image: string;
let runtime: string;

test.skip(canMount !== null, canMount ?? '');

const spec = uiFixture(async ({ dir, atEnd }) => {
  files = join(dir, 'files');
  await mkdir(join(files, 'Photos'), { recursive: true });
  await writeFile(join(files, 'Photos', 'beach.jpg'), seededStream('mount', 'beach')(900_000));
  await writeFile(join(files, 'readme.txt'), 'top level\n');
  const disk = join(dir, 'disk.bin');
  await makeExtDisk(disk, 48, [{ sizeMiB: 40, files, label: 'home' }]);
  image = join(dir, 'holiday.img.zst');
  const made = await spillway(['backup', disk, image]);
  expect(made.code, made.stderr).toBe(0);
  // The server's mount folders go in the runtime folder it is given: the test's own.
  runtime = join(dir, 'run');
  await mkdir(runtime);
  const runtimeBefore = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = runtime;
  atEnd(async () => {
    if (runtimeBefore === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = runtimeBefore;
  });
});

/** Nothing of a mount at `folder` is left: no mount, loop device, nbdfuse, or folder. */
async function nothingLeft(folder: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  expect(mountinfo).not.toContain(folder);
  expect(mountinfo).not.toMatch(/spillway-mount-[^ ]*\/drive/);
  expect(await sh('losetup -a')).not.toMatch(/spillway-mount-/);
  expect(await sh('pgrep -a nbdfuse || true')).not.toMatch(/spillway-mount-/);
  expect(await stat(folder).catch(() => null)).toBeNull();
}

test('mount an image’s partitions from Browse files, read a file, unmount; stopping the server unmounts', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await spec.open(page, 'Restore');
  const wizard = page.getByRole('region', { name: 'Restore an image' });
  await wizard.getByLabel('Image file').fill(image);
  await expect(wizard.getByText(/^zstd image, /)).toBeVisible();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Browse files' }).click();

  const browse = page.getByRole('region', { name: 'Browse files' });
  // A browser cannot have a file manager opened for it: the button mounts, and says where.
  await expect(browse.getByRole('button', { name: 'Open in file manager' })).toHaveCount(0);
  await browse.getByRole('button', { name: 'Mount the partitions' }).click();
  const folder = join(runtime, 'spillway-mounts', 'holiday');
  await expect(browse.getByText(`Mounted read-only at ${folder}`)).toBeVisible({
    timeout: 60_000,
  });
  await expect(browse.getByRole('list', { name: 'Mounted partitions' })).toHaveText(
    `Partition 1 (ext4): ${folder}/1-home`,
  );
  await shoot(page, '35-browse-mounted');
  const mounted = join(folder, '1-home');
  expect((await readdir(mounted)).sort()).toEqual(['Photos', 'lost+found', 'readme.txt']);
  const copied = await readFile(join(mounted, 'Photos', 'beach.jpg'));
  expect(copied.equals(await readFile(join(files, 'Photos', 'beach.jpg')))).toBe(true);

  await browse.getByRole('button', { name: 'Unmount' }).click();
  await expect(browse.getByText(`Unmounted ${folder}.`)).toBeVisible({ timeout: 60_000 });
  await nothingLeft(folder);

  // Mounted again, then the server stops (Ctrl-C, or the service stopped): undone.
  await browse.getByRole('button', { name: 'Mount the partitions' }).click();
  await expect(browse.getByText(`Mounted read-only at ${folder}`)).toBeVisible({
    timeout: 60_000,
  });
  expect((await readdir(mounted)).length).toBeGreaterThan(0);
  await spec.ui.stop();
  await nothingLeft(folder);
});
