// Browse files end to end, in real Chromium against `spillway ui`: a GPT disk with an ext4
// partition that mkfs.ext4 fills from a folder this test writes (no root needed) is backed
// up by the built CLI in used-blocks mode; the restore wizard opens the image and sends the
// user to "Browse files"; the test opens a folder, searches by name, ticks two files and
// restores them to a new folder, then compares their bytes with the source's. Screens are
// photographed at 900×600 and 1440×900.

import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { spillway } from '../src-main/test-support/cli.js';
import { makeExtDisk } from '../src-main/test-support/ext-disk.js';
import { seededStream } from '../src-main/test-support/seeded-bytes.js';
import { shoot } from './screens.js';
import { uiFixture } from './ui-fixture.js';

let files: string;
let image: string;

const spec = uiFixture(async ({ dir }) => {
  files = join(dir, 'files');
  await mkdir(join(files, 'Documents', 'Letters'), { recursive: true });
  await mkdir(join(files, 'Photos'), { recursive: true });
  await writeFile(join(files, 'Documents', 'letter to Anna.txt'), 'Dear Anna,\n'.repeat(300));
  await writeFile(
    join(files, 'Documents', 'taxes 2025.bin'),
    seededStream('browse', 'taxes')(3 * 2 ** 20 + 17),
  );
  await writeFile(join(files, 'Documents', 'Letters', 'old.txt'), 'old letter\n');
  await writeFile(join(files, 'Photos', 'beach.jpg'), seededStream('browse', 'beach')(700_000));
  await writeFile(join(files, 'readme.txt'), 'top level\n');
  const disk = join(dir, 'disk.bin');
  await makeExtDisk(disk, 64, [{ sizeMiB: 40, files, label: 'home' }]);
  await mkdir(join(dir, 'images'));
  image = join(dir, 'images', 'disk.img.zst');
  const made = await spillway(['backup', disk, image]);
  expect(made.code, made.stderr).toBe(0);
});

test('browse an image from the restore wizard, restore two files to a folder, compare', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await spec.open(page, 'Restore');
  const wizard = page.getByRole('region', { name: 'Restore an image' });
  await wizard.getByLabel('Image file').fill(image);
  await expect(wizard.getByText(/^zstd image, /)).toBeVisible();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Browse files' }).click();

  // The partitions, the one holding files chosen, its root listed with sizes and dates.
  const browse = page.getByRole('region', { name: 'Browse files' });
  await expect(browse.getByRole('radio', { name: /^Partition 1: ext4 “home”/ })).toBeChecked();
  const root = browse.getByRole('list', { name: 'In partition 1' });
  await expect(root.getByRole('checkbox', { name: 'readme.txt' })).toBeVisible();
  await expect(root.getByRole('checkbox', { name: 'Documents/' })).toBeVisible();
  await shoot(page, '30-browse-partition');

  // Into a folder: its files with their sizes.
  await root.getByRole('button', { name: 'Show what is in Documents' }).click();
  const documents = browse.getByRole('list', { name: 'In Documents' });
  const taxesRow = documents.locator('.entry-row').filter({ hasText: 'taxes 2025.bin' });
  await expect(taxesRow).toContainText('3.00 MiB');
  await documents.getByRole('checkbox', { name: 'taxes 2025.bin' }).check();
  await documents.getByRole('checkbox', { name: 'letter to Anna.txt' }).check();

  // A ticked folder ticks what is under it (shown, not copied twice); untick it again.
  await documents.getByRole('checkbox', { name: 'Letters/' }).check();
  await documents.getByRole('button', { name: 'Show what is in Letters' }).click();
  const oldLetter = browse.getByRole('list', { name: 'In Letters' }).getByRole('checkbox');
  await expect(oldLetter).toBeChecked();
  await expect(oldLetter).toBeDisabled();
  await documents.getByRole('checkbox', { name: 'Letters/' }).uncheck();
  await expect(browse.getByText(/^Chosen: 2 files \(3.0\d MiB\)/)).toBeVisible();
  await shoot(page, '31-browse-folder');

  // A name search lists matches in the partition.
  await browse.getByLabel('Find by name in partition 1').fill('beach');
  await browse.getByRole('button', { name: 'Find' }).click();
  const found = browse.getByRole('list', { name: 'Found' });
  await expect(found.getByRole('checkbox', { name: '/Photos/beach.jpg' })).toBeVisible();
  await shoot(page, '32-browse-search');
  await browse.getByRole('button', { name: 'Show folders' }).click();
  await expect(documents.getByRole('checkbox', { name: 'taxes 2025.bin' })).toBeChecked();

  // Restore to a folder not there yet: its free space is checked first.
  const out = join(spec.dir, 'restored');
  await browse.getByLabel('Restore to folder').fill(out);
  await expect(browse.getByText(/The folder will be made\. .* free there/)).toBeVisible();
  await shoot(page, '33-browse-restore-to');
  await browse.getByRole('button', { name: 'Restore 2 files to this folder' }).click();

  await expect(page.getByText(/^Copied 2 files \(/)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(`The files are in ${out}.`)).toBeVisible();
  await shoot(page, '34-browse-restored');
  expect((await readdir(out)).sort()).toEqual(['letter to Anna.txt', 'taxes 2025.bin']);
  for (const name of ['letter to Anna.txt', 'taxes 2025.bin']) {
    const copied = await readFile(join(out, name));
    const source = await readFile(join(files, 'Documents', name));
    expect(copied.equals(source), name).toBe(true);
  }

  // Again into the same folder: nothing is replaced, and the refusal is in words.
  await page.getByRole('button', { name: 'Back to the files' }).click();
  await browse.getByRole('button', { name: 'Restore 2 files to this folder' }).click();
  await expect(browse.getByRole('alert')).toContainText('already exists: nothing was copied');
});
