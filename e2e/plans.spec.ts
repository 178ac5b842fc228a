// Plans per drive, end to end in real Chromium against `spillway ui` (browser mode), on a
// loop device this test attaches: a backup through the wizard with "Remember these settings
// for this drive"; the server stopped and started again over the same data folder (the plan
// survives); then "Back up now" on the Drives screen, one click: a second image of the drive,
// verified, listed under Images.

import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import { createApiClient } from '../src-shared/api-client.js';
import { webSocketClientLink } from '../src-shared/websocket-link.js';
import { randomFile } from '../src-main/test-support/fixtures.js';
import type { LoopDevice } from '../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { q, sh } from '../src-main/test-support/shell.js';
import { drivePath } from './drive-path.js';
import { shoot } from './screens.js';
import { showAllDevices, uiFixture } from './ui-fixture.js';

test.describe.configure({ mode: 'serial' });
test.skip(noLoopReason !== null, noLoopReason ?? '');

let source: LoopDevice;
let folder: string;
let file: string;

const spec = uiFixture(async ({ dir, attach }) => {
  file = join(dir, 'drive.bin');
  await randomFile(file, 16 * 2 ** 20, 'e2e-plans');
  source = await attach(file);
  folder = join(dir, 'images');
  await mkdir(folder);
});

test('remember a drive’s settings, restart, then “Back up now” makes a verified image', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto(spec.ui.url);
  await showAllDevices(page);
  const drives = page.getByRole('list', { name: 'Drives' });
  const row = drives.locator(':scope > li').filter({ hasText: drivePath(source.path) });
  await expect(row).toBeVisible();
  // No remembered settings yet: nothing to back up in one click.
  await expect(row.getByRole('button', { name: 'Back up now' })).toHaveCount(0);

  await page.getByRole('navigation').getByRole('button', { name: 'Back up' }).click();
  const wizard = page.getByRole('region', { name: 'Back up a drive' });
  const next = wizard.getByRole('button', { name: 'Next' });
  await wizard.getByRole('radio', { name: new RegExp(source.path + '\\b') }).check();
  await expect(next).toBeEnabled({ timeout: 30_000 });
  await next.click();
  await wizard.getByRole('radio', { name: /exact copy of every byte/ }).check();
  await next.click();
  await next.click();
  await wizard.getByLabel('Folder for the image').fill(folder);
  await expect(wizard.getByText(/free there/)).toBeVisible();
  await next.click();
  await wizard.getByLabel(/Remember these settings for this drive/).check();
  await wizard.getByLabel('Images to keep').fill('5');
  await shoot(page, 'plans-1-remember');
  await wizard.getByRole('button', { name: 'Start backup' }).click();
  await expect(page.getByText(/^Backup done: /)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(/^Verified: the image is intact/)).toBeVisible({
    timeout: 60_000,
  });
  const first = await readdir(folder);
  expect(first).toHaveLength(1);

  // A restart: the plan is in the data folder, not in the server's memory.
  await spec.restartUi();
  await page.goto(spec.ui.url);
  const again = page
    .getByRole('list', { name: 'Drives' })
    .locator(':scope > li')
    .filter({ hasText: drivePath(source.path) });
  await expect(again.getByText(`Backs up to ${folder} (zstd level 3, every byte)`)).toBeVisible();
  await again.getByRole('button', { name: 'Back up now' }).click();
  // From the first image (verified, same codec, level and frame size): nothing changed, so
  // every frame is taken from it; then verified.
  await expect(again.getByText(/^Backup done: /)).toContainText(
    `4 of 4 frames were unchanged and taken from ${join(folder, first[0]!)}`,
    { timeout: 60_000 },
  );
  await expect(again.getByText(/^Backup done: /)).toContainText('Verified: the image is intact.');
  await shoot(page, 'plans-2-back-up-now');
  const both = await readdir(folder);
  expect(both).toHaveLength(2);
  const made = join(
    folder,
    both.find((name) => name !== first[0])!,
  );
  await sh(`zstd -dc ${q(made)} | cmp - ${q(source.path)}`);

  await page.getByRole('navigation').getByRole('button', { name: 'Images' }).click();
  // Grouped by the drive (a loop device is known by its backing file), not its /dev name.
  const images = page.getByRole('list', {
    name: /^Images of Loop device \(drive\.bin\), 16\.0 MiB$/,
  });
  await expect(images.locator(':scope > li')).toHaveCount(2);
  await expect(images.getByText(made)).toBeVisible();
  // The second took every frame from the first: it says so.
  await expect(
    images.getByText('Shares everything (16.0 MiB) with the image before.'),
  ).toBeVisible();
  expect(existsSync(made)).toBe(true);
});

test('a drive with remembered settings plugged in while the app runs gets the offer; another does not', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto(spec.ui.url);
  const drives = page.getByRole('list', { name: 'Drives' });
  const rowOf = (path: string) =>
    drives.locator(':scope > li').filter({ hasText: drivePath(path) });
  await expect(rowOf(source.path)).toBeVisible();
  // Home reads each drive's partitions when it shows it: unplugged while that read holds it
  // open, a loop device stays until the read ends.
  await expect(rowOf(source.path).getByText('Reading its partitions…')).toHaveCount(0);
  const offers = page.getByRole('list', { name: 'Drives plugged in' });
  // Unplugged, and seen gone, then plugged in again (under whatever /dev name it gets), with
  // a drive that has no remembered settings.
  await source.detach();
  await expect(rowOf(source.path)).toHaveCount(0);
  await page.waitForTimeout(4000);
  const otherFile = join(spec.dir, 'other.bin');
  await randomFile(otherFile, 8 * 2 ** 20, 'e2e-plans-other');
  const other = await spec.attach(otherFile);
  source = await spec.attach(file);
  const offer = offers.getByRole('listitem').filter({ hasText: drivePath(source.path) });
  await expect(offer).toContainText(`Back up Loop device (drive.bin) (${source.path}) now?`, {
    timeout: 20_000,
  });
  await expect(rowOf(other.path)).toBeVisible();
  await page.waitForTimeout(4000);
  await expect(offers.getByText(drivePath(other.path))).toHaveCount(0);
  await expect(offers.getByRole('listitem')).toHaveCount(1);
  await expect(offer.getByRole('alert')).toBeVisible();
  await shoot(page, 'plans-3-plug-in-offer');

  const before = (await readdir(folder)).length;
  await offer.getByRole('button', { name: 'Back up now' }).click();
  await expect(offers).toHaveCount(0);
  await expect(rowOf(source.path).getByText(/^Backup done: /)).toContainText(
    'Verified: the image is intact.',
    { timeout: 60_000 },
  );
  expect(await readdir(folder)).toHaveLength(before + 1);
});

test('a drive whose settings say "without asking" is backed up when plugged in, with no offer', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // The choice as the wizard saves it, through the same API the page uses.
  const url = new URL(spec.ui.url);
  const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`, {
    origin: url.origin,
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const api = createApiClient(webSocketClientLink(ws));
  const [plan] = await api.listPlans({});
  await api.savePlan({ ...plan!, autoStart: true });
  api.close();
  ws.close();

  await page.goto(spec.ui.url);
  const drives = page.getByRole('list', { name: 'Drives' });
  const rowOf = (path: string) =>
    drives.locator(':scope > li').filter({ hasText: drivePath(path) });
  await expect(rowOf(source.path)).toBeVisible();
  await expect(rowOf(source.path).getByText('Reading its partitions…')).toHaveCount(0);
  const before = (await readdir(folder)).length;
  await source.detach();
  await expect(rowOf(source.path)).toHaveCount(0);
  await page.waitForTimeout(4000);
  source = await spec.attach(file);
  await expect(rowOf(source.path).getByText(/^Backup done: /)).toContainText(
    'Verified: the image is intact.',
    { timeout: 60_000 },
  );
  await expect(page.getByRole('list', { name: 'Drives plugged in' })).toHaveCount(0);
  expect(await readdir(folder)).toHaveLength(before + 1);
});
