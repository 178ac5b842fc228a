// Browser mode end to end: `spillway ui` serves the built renderer, real Chromium opens the
// printed URL, and Home lists this machine's drives, including a loop device the
// test attaches once "Show all devices" is ticked. A wrong token gets nothing.

import { writeFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { LoopDevice } from '../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { q, sh } from '../src-main/test-support/shell.js';
import { drivePath } from './drive-path.js';
import { showAllDevices, uiFixture } from './ui-fixture.js';

const spec = uiFixture();

test('a wrong token gets no page', async ({ page }) => {
  const wrong = spec.ui.url.replace(/token=\w+/, 'token=guess');
  const response = await page.goto(wrong);
  expect(response?.status()).toBe(403);
  await expect(page.getByText('Refused: wrong token.')).toBeVisible();
});

test('Home lists a loop device the test attached, with its size, live', async ({ page }) => {
  test.skip(noLoopReason !== null, noLoopReason ?? '');
  const file = join(spec.dir, 'disk.bin');
  await writeFile(file, '');
  await truncate(file, 48 * 2 ** 20);
  const loop: LoopDevice = await spec.attach(file);
  try {
    await page.goto(spec.ui.url);
    await expect(page.getByRole('heading', { name: 'Drives' })).toBeVisible();
    await expect(page.locator('main')).toHaveAttribute('data-transport', 'browser');
    // Hidden by default (drivelist leaves loop devices out) ...
    await expect(page.getByText('Looking for drives…')).toBeHidden();
    await expect(page.getByText(loop.path, { exact: true })).toHaveCount(0);
    // ... listed with "Show all devices", with its size.
    await showAllDevices(page);
    const row = page.getByRole('listitem').filter({ hasText: drivePath(loop.path) });
    await expect(row).toBeVisible();
    await expect(row.locator('.size')).toHaveText('48.0 MiB');
    // A fine restore target: no cautions.
    await expect(row.locator('.cautions li')).toHaveCount(0);
    // Home reads its partitions as it shows it: that read over (it holds the device open),
    await expect(row.getByText('Reading its partitions…')).toHaveCount(0);
    // Unplugged (detached) while the page is open: it goes from the list by itself ...
    await loop.detach();
    await expect(row).toHaveCount(0, { timeout: 10_000 });
    // ... and a drive plugged in later appears without a click.
    const again = await spec.attach(file);
    await expect(page.getByRole('listitem').filter({ hasText: drivePath(again.path) })).toBeVisible(
      {
        timeout: 10_000,
      },
    );
    await again.detach();
  } finally {
    await loop.detach();
  }
});

test('the drive the computer runs from is shown as such, never as a target', async ({ page }) => {
  const root = (await sh('findmnt -no SOURCE /')).trim();
  const disk = (await sh(`lsblk -no PKNAME ${q(root)} 2>/dev/null || true`)).trim();
  const systemDrive = disk ? `/dev/${disk}` : root;
  await page.goto(spec.ui.url);
  // The list has arrived once it shows any drive (this machine has at least its own).
  const drives = page.getByRole('list', { name: 'Drives' });
  const rows = drives.locator(':scope > li');
  await expect(rows.first()).toBeVisible();
  const row = rows.filter({ hasText: systemDrive });
  test.skip((await row.count()) === 0, `/ is on ${root}, which is not a listed drive here`);
  await expect(row).toHaveClass(/blocked/);
  await expect(row.getByText('This computer runs from it')).toBeVisible();
});
