// The clone wizard end to end, in real Chromium against `spillway ui`: the fixture disk (GPT:
// ESP, ext4, swap) on a read-only loop device copied onto a blank loop device twice its size,
// through every step — the drive to copy, the target (the source itself greyed out), the
// partitions before and after (ext4 grows, swap moves), the typed name — then the live view
// and the read-back. The target's table as sfdisk reads it from the file shows the grown
// partition; the source's bytes are unchanged.

import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { fixtureDisk } from '../src-main/test-support/fixtures.js';
import type { LoopDevice } from '../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { sfdiskJson } from '../src-main/test-support/sfdisk-table.js';
import { q, sh } from '../src-main/test-support/shell.js';
import { drivePath } from './drive-path.js';
import { shoot } from './screens.js';
import { showAllDevices, uiFixture } from './ui-fixture.js';

const DISK_MIB = 160;
const MiB = 2 ** 20;

test.describe.configure({ mode: 'serial' });
test.skip(noLoopReason !== null, noLoopReason ?? '');

let source: LoopDevice | undefined;
let target: LoopDevice | undefined;
let disk: string;
let targetFile: string;

const sha256 = async (path: string) => (await sh(`sha256sum ${q(path)}`)).split(' ')[0]!;

const spec = uiFixture(async ({ dir, attach }) => {
  disk = await fixtureDisk({ sizeMiB: DISK_MIB });
  targetFile = join(dir, 'clone-target.bin');
  await sh(`truncate -s ${2 * DISK_MIB}M ${q(targetFile)}`);
  // The source is attached read-only: a clone only reads it.
  source = await attach(disk, { readOnly: true, partitions: true });
  target = await attach(targetFile, { partitions: true });
});

test('a clone through the wizard onto a drive twice the size grows ext4', async ({ page }) => {
  test.setTimeout(240_000);
  const src = source!;
  const dst = target!;
  const before = await sha256(src.path);
  await spec.open(page, 'Clone');
  const wizard = page.getByRole('region', { name: 'Clone a drive' });
  const next = wizard.getByRole('button', { name: 'Next' });
  await expect(next).toBeDisabled();

  // The drive to copy.
  await showAllDevices(wizard);
  const sources = wizard.getByRole('list', { name: 'Drives to copy' });
  await sources
    .getByRole('listitem')
    .filter({ hasText: drivePath(src.path) })
    .getByRole('radio')
    .check();
  await shoot(page, '15-clone-source');
  await next.click();

  // The target: the source itself cannot be chosen, and says why.
  const targets = wizard.getByRole('list', { name: 'Target drives' });
  const sourceRow = targets.getByRole('listitem').filter({ hasText: drivePath(src.path) });
  await expect(sourceRow.getByRole('radio')).toBeDisabled();
  await expect(sourceRow).toContainText('It is the drive being copied');
  await targets
    .getByRole('listitem')
    .filter({ hasText: drivePath(dst.path) })
    .getByRole('radio')
    .check();
  // Planning reads the source's filesystems in the helper (started now, on a busy machine).
  await expect(wizard.getByText(/^Will erase:/)).toBeVisible({ timeout: 30_000 });
  await expect(next).toBeEnabled();
  await shoot(page, '16-clone-target');
  await next.click();

  // The partitions, before and after: ext4 grows, swap moves to the end.
  const after = wizard.getByRole('list', { name: /^Partitions: After the clone on / });
  await expect(
    wizard.getByRole('list', { name: /^Partitions: Now on / }).getByRole('listitem'),
  ).toHaveCount(3);
  await expect(
    after.getByRole('listitem', { name: /^Partition 2, ext4, .*, grows$/ }),
  ).toBeVisible();
  await expect(
    after.getByRole('listitem', { name: /^Partition 3, swap, .*, moves$/ }),
  ).toBeVisible();
  const changes = wizard.getByRole('list', { name: 'What changes' });
  await expect(changes).toContainText(/Partition 2 \(ext4\) grows from 1\d\d MiB to 2\d\d MiB/);
  await expect(changes).toContainText('Partition 3 (swap) moves to the end of the drive.');
  // Choosing no growth keeps every partition in place; the largest grows again after.
  const growth = wizard.getByRole('list', { name: 'Partition that grows' });
  await growth.getByRole('radio', { name: /^None/ }).check();
  await expect(changes).toContainText('No partition grows');
  await expect(after.getByRole('listitem', { name: /grows$/ })).toHaveCount(0);
  await growth.getByRole('radio', { name: 'The largest data partition' }).check();
  await expect(after.getByRole('listitem', { name: /grows$/ })).toHaveCount(1);
  await expect(next).toBeEnabled();
  await shoot(page, '17-clone-layout');
  await next.click();

  // Confirm: only the target's own name enables the button.
  const name = dst.path.replace('/dev/', '');
  const start = wizard.getByRole('button', { name: 'Erase and clone' });
  const typed = wizard.getByLabel(/^Type .* to confirm/);
  await typed.fill(src.path.replace('/dev/', ''));
  await expect(start).toBeDisabled();
  await typed.fill(name);
  await expect(start).toBeEnabled();
  await shoot(page, '18-clone-confirm');
  await start.click();

  await expect(page.getByRole('region', { name: /^Copy .* onto .*: live view$/ })).toBeVisible();
  await expect(page.getByText(/Read back: every written byte is as on the source/)).toBeVisible({
    timeout: 180_000,
  });
  const note = page.getByRole('status').filter({ hasText: /^Copied / });
  await expect(note).toContainText(/Partition 2 grew from .* \(resize2fs\)/);
  await expect(note).toContainText('Moved to the end of the drive: partition 3.');
  await shoot(page, '19-clone-done');

  // The target's table, read from its file: partition 2 grown up to the moved swap.
  const old = (await sfdiskJson(disk)).partitiontable.partitions;
  const now = (await sfdiskJson(targetFile)).partitiontable.partitions;
  expect(now).toHaveLength(3);
  expect(now[1]!.start).toBe(old[1]!.start);
  expect(now[1]!.size).toBeGreaterThan(old[1]!.size + (DISK_MIB - 2) * (MiB / 512));
  expect(now[1]!.start + now[1]!.size).toBe(now[2]!.start);
  expect(now[2]!.size).toBe(old[2]!.size);
  expect(await sha256(src.path)).toBe(before);

  // The history lists it, from the drive copied onto the other.
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('navigation').getByRole('button', { name: 'Images' }).click();
  await page.getByText(/^Jobs run \(\d+\)$/).click();
  const entry = page
    .getByRole('list', { name: 'History' })
    .getByRole('listitem')
    .filter({ hasText: /^Clone / });
  await expect(entry).toContainText(drivePath(src.path));
  await expect(entry).toContainText(drivePath(`onto ${dst.path}`));
  await expect(entry).toContainText('done');
});
