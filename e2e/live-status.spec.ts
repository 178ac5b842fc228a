// The live view says only what is true once a job has ended, in real Chromium against
// `spillway ui` on a loop device this test attaches: a finished backup and its verify show
// how they ended, with still, full bars and no time left; "New backup" keeps the settings
// and a second backup of the same drive into the same folder, within the minute, gets a
// name of its own and succeeds; a chosen name already there is flagged before Start; a
// backup that fails (its destination, a tiny tmpfs this test mounts, fills up) stops its
// bar and shows no phase under the error and no command-line flag.

import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fixtureDisk } from '../src-main/test-support/fixtures.js';
import type { LoopDevice } from '../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { q, sh } from '../src-main/test-support/shell.js';
import { showAllDevices, uiFixture } from './ui-fixture.js';

test.describe.configure({ mode: 'serial' });
test.skip(noLoopReason !== null, noLoopReason ?? '');

let source: LoopDevice;
let images: string;
let tiny: string;

const spec = uiFixture(async ({ dir, attach, atEnd }) => {
  source = await attach(await fixtureDisk({ sizeMiB: 160 }), { readOnly: true });
  images = join(dir, 'images');
  await mkdir(images);
  tiny = join(dir, 'tiny');
  await mkdir(tiny);
  await sh(`mount -t tmpfs -o size=2m spillway-e2e-tiny ${q(tiny)}`);
  atEnd(() => sh(`umount ${q(tiny)}`));
});

/** Through the backup wizard's steps up to the destination, `folder` typed there. */
async function toDestination(page: Page, folder: string, pickSource: boolean) {
  const wizard = page.getByRole('region', { name: 'Back up a drive' });
  const next = wizard.getByRole('button', { name: 'Next' });
  if (pickSource) {
    await showAllDevices(page);
    await wizard.getByRole('radio', { name: new RegExp(source.path + '\\b') }).check();
  }
  await expect(wizard.getByRole('radio', { name: new RegExp(source.path + '\\b') })).toBeChecked();
  await expect(next).toBeEnabled({ timeout: 20_000 });
  await next.click();
  await next.click();
  await next.click();
  const folderField = wizard.getByLabel('Folder for the image');
  if ((await folderField.inputValue()) !== folder) await folderField.fill(folder);
  return wizard;
}

/** The live views on screen have all ended this way: nothing moves, no time left. */
async function expectEnded(page: Page, state: 'done' | 'failed') {
  const views = page.locator('section.live');
  await expect(views.first()).toHaveAttribute('data-state', state, { timeout: 120_000 });
  for (const view of await views.all()) {
    await expect(view).toHaveAttribute('data-state', state);
    // A bar without a value is drawn moving.
    await expect(view.locator('progress:not([value])')).toHaveCount(0);
  }
  await expect(page.getByText('Time left')).toHaveCount(0);
  await expect(page.getByText(/Writing the index|Opening|Starting…/)).toHaveCount(0);
  await expect(page.getByText(/slowest|Bottleneck/)).toHaveCount(0);
}

test('finished jobs say so and stand still; a second backup in the same minute succeeds', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await spec.open(page, 'Back up');
  let wizard = await toDestination(page, images, true);
  const firstName = await wizard.getByLabel('File name').inputValue();
  expect(firstName).toMatch(/-\d{4}-\d\d-\d\d-\d{4}\.img\.zst$/);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Start backup' }).click();
  await expect(page.getByText(/^Verified: the image is intact/)).toBeVisible({ timeout: 180_000 });
  await expectEnded(page, 'done');
  await expect(page.locator('section.live').first()).toContainText('Backup finished.');
  await expect(page.locator('section.live').nth(1)).toContainText('Verify finished.');
  // A verify writes nothing: no write figure.
  await expect(
    page.locator('section.live').nth(1).locator('[data-figure="bytes-written"]'),
  ).toHaveCount(0);

  // New backup: the same drive, settings and folder; a name of its own.
  await page.getByRole('button', { name: 'New backup' }).click();
  wizard = await toDestination(page, images, false);
  const fileName = wizard.getByLabel('File name');
  await expect(fileName).not.toHaveValue(firstName);
  expect(await fileName.inputValue()).toMatch(/-\d{4}(-2)?\.img\.zst$/);
  // A name that is there already is flagged here, before Start.
  const secondName = await fileName.inputValue();
  await fileName.fill(firstName);
  await expect(
    wizard.getByText(`${firstName} is already in that folder: choose another name.`),
  ).toBeVisible();
  await expect(wizard.getByRole('button', { name: 'Next' })).toBeDisabled();
  await fileName.fill(secondName);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Start backup' }).click();
  await expect(page.getByText(/^Verified: the image is intact/)).toBeVisible({ timeout: 180_000 });
  await expectEnded(page, 'done');
  expect((await readdir(images)).sort()).toEqual([firstName, secondName].sort());
});

test('a failed job stops its bar, shows no phase under the error and cites no flag', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await spec.open(page, 'Back up');
  const wizard = await toDestination(page, tiny, true);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Start backup' }).click();
  await expectEnded(page, 'failed');
  const live = page.locator('section.live').first();
  await expect(live).toContainText('Stopped: it did not finish.');
  await expect(page.getByRole('alert').first()).toBeVisible();
  await expect(page.locator('body')).not.toContainText(/ --[a-z]/);
});
