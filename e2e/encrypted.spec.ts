// An encrypted backup and its restore end to end, in real Chromium against `spillway ui`, on
// loop devices this test attaches: the backup wizard's "Encrypt with a password" (typed
// twice, ticked as stored) makes a .age image of the read-only source; the restore wizard
// asks for the password, refuses a wrong one with the engine's words (the target unchanged),
// then restores with the right one; `cmp` of the two devices. (Interop with the age tool is
// the CLI's tests' concern: src-main/cli/encrypted.test.ts.)

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { fixtureDisk, randomFile } from '../src-main/test-support/fixtures.js';
import type { LoopDevice } from '../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { q, sh } from '../src-main/test-support/shell.js';
import { showAllDevices, uiFixture } from './ui-fixture.js';

const DISK_MIB = 160;
const PASSWORD = 'Seven herons, 4 kettles & a lantern';

test.describe.configure({ mode: 'serial' });
test.skip(noLoopReason !== null, noLoopReason ?? '');

let source: LoopDevice;
let target: LoopDevice;

const spec = uiFixture(async ({ dir, attach }) => {
  source = await attach(await fixtureDisk({ sizeMiB: DISK_MIB }), { readOnly: true });
  const targetFile = join(dir, 'target.bin');
  await randomFile(targetFile, DISK_MIB * 2 ** 20, 'e2e-encrypted-target');
  target = await attach(targetFile);
  await mkdir(join(dir, 'images'));
});

const sha = async (path: string) => (await sh(`sha256sum < ${q(path)}`)).split(' ')[0];

test('an encrypted backup from the wizard, restored by typing its password (a wrong one first)', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await spec.open(page, 'Back up');
  const backup = page.getByRole('region', { name: 'Back up a drive' });
  const next = backup.getByRole('button', { name: 'Next' });
  await showAllDevices(backup);
  await backup.getByRole('radio', { name: new RegExp(source.path + '\\b') }).check();
  await expect(backup.getByText(`${source.path}: 160 MiB, 3 partitions.`)).toBeVisible({
    timeout: 30_000,
  });
  await next.click();
  await backup.getByRole('radio', { name: /exact copy of every byte/ }).check();
  await next.click();
  await expect(backup.getByRole('radio', { name: /^zstd/ })).toBeChecked();
  await next.click();

  await backup.getByLabel('Folder for the image').fill(join(spec.dir, 'images'));
  await expect(backup.getByText(/free there; the image needs about/)).toBeVisible();
  await backup.getByLabel('Encrypt with a password').check();
  await expect(backup.getByLabel('File name')).toHaveValue(/\.img\.zst\.age$/);
  await backup.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await expect(backup.getByText(/^Strong: /)).toBeVisible();
  await backup.getByLabel('The same password again').fill(PASSWORD);
  await expect(next).toBeDisabled();
  await backup.getByLabel(/^I have stored this password/).check();
  await expect(next).toBeEnabled();
  await next.click();
  await expect(backup.getByText('with a password (age)')).toBeVisible();
  await backup.getByRole('button', { name: 'Start backup' }).click();
  await expect(page.getByText(/^Verified: the image is intact/)).toBeVisible({ timeout: 180_000 });
  const image = join(spec.dir, 'images', (await sh(`ls ${q(join(spec.dir, 'images'))}`)).trim());
  expect(image).toMatch(/\.img\.zst\.age$/);
  expect((await sh(`head -c 21 ${q(image)}`)).toString()).toBe('age-encryption.org/v1');

  // The restore: the image from the history asks for its password.
  const before = await sha(target.path);
  await page.getByRole('navigation').getByRole('button', { name: 'Restore' }).click();
  const restore = page.getByRole('region', { name: 'Restore an image' });
  const onward = restore.getByRole('button', { name: 'Next' });
  await restore
    .getByRole('radio', { name: new RegExp(image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
    .check();
  const password = restore.getByLabel(/is encrypted: its password$/);
  await expect(password).toBeVisible({ timeout: 30_000 });
  await expect(onward).toBeDisabled();
  await password.fill(PASSWORD.toLowerCase());
  await restore.getByRole('button', { name: 'Open' }).click();
  await expect(restore.getByText(`The passphrase does not open ${image}.`)).toBeVisible({
    timeout: 30_000,
  });
  await expect(onward).toBeDisabled();
  expect(await sha(target.path)).toBe(before);

  await password.fill(PASSWORD);
  await restore.getByRole('button', { name: 'Open' }).click();
  await expect(restore.getByText(/^Encrypted zstd image, /)).toBeVisible({ timeout: 30_000 });
  await onward.click();
  await expect(restore.getByRole('definition').filter({ hasText: 'yes, intact' })).toBeVisible();
  await onward.click();
  await showAllDevices(restore);
  await restore
    .getByRole('list', { name: 'Target drives' })
    .getByRole('radio', { name: new RegExp(target.path + '\\b') })
    .check();
  await expect(onward).toBeEnabled({ timeout: 30_000 });
  await onward.click();
  await restore.getByLabel(/^Type .* to confirm/).fill(target.path.replace('/dev/', ''));
  await restore.getByRole('button', { name: 'Erase and restore' }).click();
  await expect(page.getByText(/Read back: every written byte is as in the image/)).toBeVisible({
    timeout: 180_000,
  });
  await sh(`cmp ${q(source.path)} ${q(target.path)}`);
});
