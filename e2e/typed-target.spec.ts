// A drive the restore wizard's list greys out cannot be had by typing its /dev path into
// "Or into an image file": the wizard shows the list's own reason and goes no further.
// Real Chromium against `spillway ui`, a loop device this test attaches read-only.

import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { spillway } from '../src-main/test-support/cli.js';
import { randomFile } from '../src-main/test-support/fixtures.js';
import type { LoopDevice } from '../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { q, sh } from '../src-main/test-support/shell.js';
import { shoot } from './screens.js';
import { showAllDevices, uiFixture } from './ui-fixture.js';

const MiB = 2 ** 20;

test.describe.configure({ mode: 'serial' });
test.skip(noLoopReason !== null, noLoopReason ?? '');

let readOnly: LoopDevice;
let image: string;

const spec = uiFixture(async ({ dir, attach }) => {
  const source = join(dir, 'source.bin');
  await randomFile(source, 8 * MiB, 'typed-e2e-source');
  image = join(dir, 'disk.img.zst');
  const backup = await spillway(['backup', source, image]);
  expect(backup.code, backup.stderr).toBe(0);
  const file = join(dir, 'read-only.bin');
  await randomFile(file, 16 * MiB, 'typed-e2e-ro');
  readOnly = await attach(file, { readOnly: true });
});

test('a disabled drive typed as a path shows the list’s reason and cannot be chosen', async ({
  page,
}) => {
  const before = (await sh(`sha256sum ${q(readOnly.path)}`)).split(' ')[0];
  await spec.open(page, 'Restore');
  const wizard = page.getByRole('region', { name: 'Restore an image' });
  const next = wizard.getByRole('button', { name: 'Next' });
  await wizard.getByLabel('Image file').fill(image);
  await expect(wizard.getByText(/^zstd image, /)).toBeVisible();
  await next.click();
  await next.click();

  // The list greys the drive out and says why.
  await showAllDevices(wizard);
  const row = wizard
    .getByRole('list', { name: 'Target drives' })
    .getByRole('listitem')
    .filter({ hasText: readOnly.path });
  await expect(row.getByRole('radio')).toBeDisabled();
  const why = 'it is read-only: nothing can be written to it';
  await expect(row).toContainText(`Cannot be used: ${why}`);

  // Typed instead: the same reason, and Next stays disabled.
  await wizard.getByLabel('Or into an image file (created or replaced)').fill(readOnly.path);
  const refusal = `${readOnly.path} cannot be used: ${why}.`;
  await expect(wizard.getByRole('alert').filter({ hasText: refusal }).first()).toBeVisible();
  await expect(wizard.locator('.wizard-actions .blocked')).toHaveText(refusal);
  await expect(next).toBeDisabled();
  await shoot(page, '12-restore-typed-target-refused');
  expect((await sh(`sha256sum ${q(readOnly.path)}`)).split(' ')[0]).toBe(before);
});
