// The wizards end to end, in real Chromium against `spillway ui`, on loop devices this test
// attaches (picked through "Show all devices"): a zstd backup of the fixture disk with a
// throttled destination, so the spill buffer fills on screen, ending in a verified image;
// then a restore of that image onto a second loop device full of other bytes, confirmed by
// typing its name, and `cmp` of the two devices. Every screen is photographed at 900×600
// and 1440×900 on the way.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Locator } from '@playwright/test';
import { fixtureDisk, randomFile } from '../src-main/test-support/fixtures.js';
import type { LoopDevice } from '../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { q, sh } from '../src-main/test-support/shell.js';
import { drivePath } from './drive-path.js';
import { shoot } from './screens.js';
import { showAllDevices, uiFixture } from './ui-fixture.js';

const DISK_MIB = 160;

test.describe.configure({ mode: 'serial' });
test.skip(noLoopReason !== null, noLoopReason ?? '');

let source: LoopDevice;
let target: LoopDevice;
let image: string;

const spec = uiFixture(async ({ dir, attach }) => {
  const disk = await fixtureDisk({ sizeMiB: DISK_MIB });
  // The source is attached read-only: the backup never writes it, and the restore step
  // must show it as no target.
  source = await attach(disk, { readOnly: true });
  const targetFile = join(dir, 'target.bin');
  await randomFile(targetFile, DISK_MIB * 2 ** 20, 'e2e-target');
  target = await attach(targetFile);
  await mkdir(join(dir, 'images'));
});

/** The number a figure of one live view shows, from its data-value. (The page may hold
 *  several live views: the verify's appears below the backup's once the backup is done.) */
async function figure(live: Locator, name: string): Promise<number> {
  return Number(await live.locator(`[data-figure="${name}"]`).getAttribute('data-value'));
}

test('a backup through the wizard: live figures rise, the spill fills, the image verifies', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await spec.open(page);
  // Images before any backup: says what to do next.
  await page.getByRole('navigation').getByRole('button', { name: 'Images' }).click();
  await expect(page.getByText('No images yet')).toBeVisible();
  await shoot(page, '00-images-empty');
  await page.getByRole('navigation').getByRole('button', { name: 'Home' }).click();
  await expect(page.getByRole('heading', { name: 'Drives' })).toBeVisible();
  await showAllDevices(page);
  const sourceRow = page
    .getByRole('list', { name: 'Drives' })
    .locator(':scope > li')
    .filter({ hasText: drivePath(source.path) });
  await expect(sourceRow).toBeVisible();
  // Its partitions, with filesystem, label and use, on request. The helper reads them from
  // the device's own table (the loop device has no partition nodes, and needs none); this
  // is the session's first question for it, so it starts now: a new Node process loading
  // the engine, seconds on a busy machine. Hence the longer wait.
  await sourceRow.getByRole('button', { name: 'Partitions' }).click();
  const partitions = sourceRow.getByRole('table', { name: `Partitions of ${source.path}` });
  await expect(partitions.getByRole('row')).toHaveCount(4, { timeout: 30_000 });
  await expect(partitions).toContainText('ext4');
  await expect(partitions).toContainText('root');
  // Home: the card of the drive, its partitions' use read by itself, never backed up.
  await expect(sourceRow.getByRole('list', { name: `Space used on ${source.path}` })).toBeVisible();
  await expect(sourceRow).toContainText('Never backed up');
  await shoot(page, '01-home');

  await page.getByRole('navigation').getByRole('button', { name: 'Back up' }).click();
  const wizard = page.getByRole('region', { name: 'Back up a drive' });
  const next = wizard.getByRole('button', { name: 'Next' });
  // Source: the read-only loop device.
  await expect(next).toBeDisabled();
  await wizard.getByRole('radio', { name: new RegExp(source.path + '\\b') }).check();
  await expect(wizard.getByText(`${source.path}: 160 MiB, 3 partitions.`)).toBeVisible();
  await shoot(page, '02-backup-source');
  await next.click();

  // What is read: every byte, so the restored drive can be compared whole with `cmp`.
  await expect(wizard.getByRole('table', { name: 'Partitions' })).toContainText('ext4');
  await wizard.getByRole('radio', { name: /exact copy of every byte/ }).check();
  await shoot(page, '03-backup-read');
  await next.click();

  // Compression: zstd by default, with an estimate from a sample of the drive.
  await expect(wizard.getByRole('radio', { name: /^zstd/ })).toBeChecked();
  await expect(
    wizard.getByText(/sample compressed at .* on \d+ threads?, .* an image of about/),
  ).toBeVisible({
    timeout: 20_000,
  });
  await shoot(page, '04-backup-compression');
  await next.click();

  // Destination: a folder, and the write speed limited so the compressor falls behind the
  // reader and the spill buffer fills.
  await wizard.getByLabel('Folder for the image').fill(join(spec.dir, 'images'));
  await expect(wizard.getByText(/free there; the image needs about/)).toBeVisible();
  await wizard.getByText('Advanced').click();
  await wizard.getByLabel(/Limit write speed/).fill('12M');
  await shoot(page, '05-backup-destination');
  await next.click();

  await expect(wizard.getByText('12M/s')).toBeVisible();
  await shoot(page, '06-backup-summary');
  await wizard.getByRole('button', { name: 'Start backup' }).click();

  // Live view: the byte counts rise while it runs (the drive is read within a second or
  // two; the throttled image takes longer); the spill holds bytes at some point.
  // Titled by the drive's name, not its /dev path.
  const live = page.getByRole('region', { name: /^Back up Loop device \(.*\): live view$/ });
  await expect(live).toBeVisible();
  const reads: number[] = [];
  const writes: number[] = [];
  let spillSeen = false;
  for (let i = 0; i < 80 && (new Set(writes).size < 4 || !spillSeen); i++) {
    await page.waitForTimeout(250);
    if ((await live.locator('[data-figure="bytes-read"]').count()) === 0) continue;
    reads.push(await figure(live, 'bytes-read'));
    writes.push(await figure(live, 'bytes-written'));
    const spill = await live.getByRole('listitem', { name: 'Spill buffer' }).textContent();
    if (spill && !/Spill buffer0 B/.test(spill) && !/off/.test(spill)) spillSeen = true;
  }
  await shoot(page, '07-backup-live');
  const rising = (values: number[]) =>
    expect(values, String(values)).toEqual([...values].sort((a, b) => a - b));
  rising(reads);
  rising(writes);
  expect(new Set(writes).size, `written figures ${writes}`).toBeGreaterThanOrEqual(4);
  expect(spillSeen).toBe(true);
  await expect(live.getByRole('figure', { name: 'Spill buffer on disk' })).toBeVisible();
  await expect(live.getByRole('figure', { name: 'Read and write speed' })).toBeVisible();

  await expect(page.getByText(/^Backup done: /)).toBeVisible({ timeout: 180_000 });
  await expect(page.getByText(/^Verified: the image is intact/)).toBeVisible({
    timeout: 60_000,
  });
  await shoot(page, '08-backup-done');
  image = join(spec.dir, 'images', (await sh(`ls ${q(join(spec.dir, 'images'))}`)).trim());
  // Named after the drive (what the list calls it), not "loop2".
  expect(image).toMatch(/\/Loop-device-\d{4}-\d\d-\d\d-\d{4}\.img\.zst$/);
  // The real zstd reads it back as the drive, byte for byte.
  await sh(`zstd -dc ${q(image)} | cmp - ${q(source.path)}`);
});

test('a restore through the wizard onto a second loop device, then cmp', async ({ page }) => {
  test.setTimeout(180_000);
  await spec.open(page, 'Restore');
  const wizard = page.getByRole('region', { name: 'Restore an image' });
  const next = wizard.getByRole('button', { name: 'Next' });

  // Image: the one just made, from the history.
  await wizard
    .getByRole('radio', { name: new RegExp(image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
    .check();
  await expect(wizard.getByText(/^zstd image, /)).toBeVisible();
  await shoot(page, '09-restore-image');
  await next.click();

  // What is in it: where it came from, already verified after the backup.
  const details = wizard.getByRole('definition');
  await expect(wizard.getByText(source.path, { exact: true })).toBeVisible();
  await expect(details.filter({ hasText: 'yes, intact' })).toBeVisible();
  await shoot(page, '10-restore-contents');
  await next.click();

  // Target: only safe drives can be picked; the others say why not.
  await showAllDevices(wizard);
  const targets = wizard.getByRole('list', { name: 'Target drives' });
  const sourceRow = targets.getByRole('listitem').filter({ hasText: drivePath(source.path) });
  await expect(sourceRow.getByRole('radio')).toBeDisabled();
  await expect(sourceRow).toContainText('Cannot be used: it is read-only');
  const root = (await sh('findmnt -no SOURCE /')).trim();
  const parent = (await sh(`lsblk -no PKNAME ${q(root)} 2>/dev/null || true`)).trim();
  const systemRow = targets
    .getByRole('listitem')
    .filter({ hasText: parent ? `/dev/${parent}` : root });
  if ((await systemRow.count()) > 0) {
    await expect(systemRow.getByRole('radio')).toBeDisabled();
    await expect(systemRow).toContainText('this computer runs from it');
  }
  await targets.getByRole('radio', { name: new RegExp(target.path + '\\b') }).check();
  await expect(wizard.getByText(/erase/i).first()).toBeVisible();
  await expect(next).toBeEnabled();
  await shoot(page, '11-restore-target');
  await next.click();

  // Confirm: a wrong name keeps the button disabled; the drive's own name enables it.
  const name = target.path.replace('/dev/', '');
  const restore = wizard.getByRole('button', { name: 'Erase and restore' });
  await expect(restore).toBeDisabled();
  await wizard.getByLabel(/^Type .* to confirm/).fill('sda');
  await expect(restore).toBeDisabled();
  await wizard.getByLabel(/^Type .* to confirm/).fill(name + ' ');
  await expect(restore).toBeDisabled();
  await wizard.getByLabel(/^Type .* to confirm/).fill(name);
  await expect(restore).toBeEnabled();
  await shoot(page, '12-restore-confirm');
  await restore.click();

  await expect(
    page.getByRole('region', { name: /^Restore onto Loop device \(.*target\.bin\): live view$/ }),
  ).toBeVisible();
  await shoot(page, '13-restore-live');
  await expect(page.getByText(/Read back: every written byte is as in the image/)).toBeVisible({
    timeout: 120_000,
  });
  await expect(
    page.getByText(/checked before writing: byte for byte as the backup wrote it/),
  ).toBeVisible();
  // The loop device is virtual: nothing to eject, and it stays attached.
  await page.getByRole('button', { name: /^Eject Loop device \(.*target\.bin\)$/ }).click();
  await expect(page.getByText(/is a virtual disk: there is nothing to eject/)).toBeVisible();
  await shoot(page, '14-restore-done');
  await sh(`cmp ${q(source.path)} ${q(target.path)}`);

  await page.getByRole('navigation').getByRole('button', { name: 'Images' }).click();
  // One row for the image, though a backup, a verify and a restore used it.
  const images = page.getByRole('list', { name: /^Images of Loop device \(.*\.img\), / });
  await expect(images.locator(':scope > li')).toHaveCount(1);
  // Verified by the wizard's verify after the backup ("not verified yet" would not do).
  await expect(images.getByText('verified', { exact: true })).toBeVisible();
  await shoot(page, '15-images');

  // Deleting the image asks first, then removes its file.
  const made = images.locator(':scope > li');
  await made.getByRole('button', { name: 'Delete…' }).click();
  await made
    .getByRole('group', { name: 'Confirm delete' })
    .getByRole('button', { name: 'Keep' })
    .click();
  expect(existsSync(image)).toBe(true);
  await made.getByRole('button', { name: 'Delete…' }).click();
  await shoot(page, '16-images-delete');
  await made.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect.poll(() => existsSync(image)).toBe(false);
  // Gone from the disk: said so, and no buttons left that could only fail.
  await expect(made).toContainText('not on the disk any more (deleted or moved)');
  await expect(made.getByRole('button')).toHaveCount(0);
});
