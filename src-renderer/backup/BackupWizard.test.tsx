// @vitest-environment happy-dom
// The backup wizard as a user drives it, over a real API (the engine in this process) and a
// real source file: the plan, the compression sample, the destination checks (a missing
// folder, a wrong advanced setting keep Next disabled, with the reason said), then the
// backup and the verify after it. "Encrypt with a password": Start waits for the password
// typed twice alike and the tick that it is stored; the image is then an age file named .age
// that opens with that password only.

import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { existsSync } from 'node:fs';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../../src-main/test-support/fixtures.js';
import { q, sh } from '../../src-main/test-support/shell.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { BackupWizard } from './BackupWizard.js';
import { useBackupWizard } from './backup-store.js';
import { spillway } from '../../src-main/test-support/cli.js';

describe('the backup wizard', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let source: string;

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'stick.bin');
    // 6 MiB of random bytes and 6 MiB of zeros.
    await randomFile(source, 6 * 2 ** 20, 'backup-wizard');
    await truncate(source, 12 * 2 ** 20);
    await mkdir(join(dir.path, 'out'));
    real = realApi(dir.path);
  });

  /** A fresh wizard on screen, and a user to drive it. */
  const startWizard = () => {
    cleanup();
    useBackupWizard.getState().reset();
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <BackupWizard />
      </ApiProvider>,
    );
    return userEvent.setup();
  };
  const next = () => screen.getByRole('button', { name: 'Next' });

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  it('checks each step, says why Next is disabled, then backs up and verifies', async () => {
    const user = startWizard();
    expect(next()).toHaveProperty('disabled', true);
    expect(screen.getByText('Choose a drive or an image file to back up.')).toBeTruthy();

    await user.type(screen.getByLabelText('Or an image file'), source);
    await screen.findByText(`${source}: 12.0 MiB.`);
    await user.click(next());

    // What is read: a plain file has no partition table: every byte.
    expect(screen.getByRole('radio', { name: /Only what the filesystems use/ })).toHaveProperty(
      'checked',
      true,
    );
    await user.click(next());

    // Compression: zstd 3 by default, estimate from a sample; lz4 has no level control.
    // Measured through the backup's codec pool on its threads, never multiplied by a guess.
    await screen.findByText(
      /^A 16\.0 MiB sample compressed at .* on \d+ threads?, [\d.]+× smaller: an image of about/,
      {},
      { timeout: 20_000 },
    );
    expect(screen.getByLabelText(/^Level 3/)).toBeTruthy();
    await user.click(screen.getByRole('radio', { name: /^lz4/ }));
    expect(screen.queryByLabelText(/^Level/)).toBeNull();
    await user.click(screen.getByRole('radio', { name: /^zstd/ }));
    await user.click(next());

    // Destination: a folder that does not exist, then one that does.
    const folder = screen.getByLabelText('Folder for the image');
    await user.type(folder, join(dir.path, 'nowhere'));
    await screen.findByText('That folder does not exist.');
    expect(next()).toHaveProperty('disabled', true);
    await user.clear(folder);
    await user.type(folder, join(dir.path, 'out'));
    await screen.findByText(/free there; the image needs about/);
    await waitFor(() => expect(next()).toHaveProperty('disabled', false));
    const fileName = screen.getByLabelText('File name') as HTMLInputElement;
    expect(fileName.value).toMatch(/^stick-\d{4}-\d\d-\d\d-\d{4}(-\d+)?\.img\.zst$/);
    // A wrong advanced setting is named and blocks the way.
    await user.click(screen.getByText('Advanced'));
    await user.type(screen.getByLabelText(/^Threads/), '0');
    expect(screen.getByText('Threads must be a whole number from 1 to 256.')).toBeTruthy();
    expect(next()).toHaveProperty('disabled', true);
    await user.clear(screen.getByLabelText(/^Threads/));
    await user.type(screen.getByLabelText(/^Threads/), '1');
    await user.click(next());

    // Summary, then the backup and the verify after it.
    const image = join(dir.path, 'out', fileName.value);
    expect(screen.getByText(image)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Start backup' }));
    await screen.findByText(/^Backup done: /, {}, { timeout: 30_000 });
    await screen.findByText(/^Verified: the image is intact/, {}, { timeout: 30_000 });
    expect(existsSync(image)).toBe(true);
    await sh(`zstd -dc ${q(image)} | cmp - ${q(source)}`);
  });

  it('encrypts with a password: typed twice, a strength hint, the tick; then it opens with it only', async () => {
    const user = startWizard();
    await user.type(screen.getByLabelText('Or an image file'), source);
    await screen.findByText(`${source}: 12.0 MiB.`);
    await user.click(next());
    await user.click(next());
    // gzip cannot be encrypted: the box says why and cannot be ticked.
    await user.click(screen.getByRole('radio', { name: /^gzip/ }));
    await user.click(next());
    await user.type(screen.getByLabelText('Folder for the image'), join(dir.path, 'out'));
    await screen.findByText(/free there; the image needs about/);
    expect(screen.getByRole('checkbox', { name: 'Encrypt with a password' })).toHaveProperty(
      'disabled',
      true,
    );
    expect(screen.getByText(/Only zstd and lz4 images can be encrypted/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Back' }));
    await user.click(screen.getByRole('radio', { name: /^zstd/ }));
    await user.click(next());

    const fileName = screen.getByLabelText('File name') as HTMLInputElement;
    expect(fileName.value).toMatch(/\.img\.zst$/);
    await user.click(screen.getByRole('checkbox', { name: 'Encrypt with a password' }));
    expect(fileName.value).toMatch(/^stick-.*\.img\.zst\.age$/);
    expect(screen.getByText('Type a password for the image.')).toBeTruthy();
    expect(next()).toHaveProperty('disabled', true);

    // A short password is called weak; two that differ are said to differ.
    const password = screen.getByLabelText('Password');
    await user.type(password, 'tulip');
    expect(screen.getByText(/^Weak: 5 characters \(lower case\)/)).toBeTruthy();
    await user.clear(password);
    const chosen = 'Seven tulips, 4 herons & one kettle';
    await user.type(password, chosen);
    expect(screen.getByText(/^Strong: 35 characters/)).toBeTruthy();
    const again = screen.getByLabelText('The same password again');
    await user.type(again, chosen.slice(0, -1));
    expect(screen.getByRole('alert', { name: '' }).textContent).toMatch(/differ/);
    expect(next()).toHaveProperty('disabled', true);
    await user.type(again, 'e');
    // Both alike, but not yet stored: still blocked, and said why.
    expect(
      screen.getByText(
        'Tick “I have stored this password”: without it the image cannot be opened.',
      ),
    ).toBeTruthy();
    expect(next()).toHaveProperty('disabled', true);
    await user.click(
      screen.getByRole('checkbox', {
        name: 'I have stored this password: without it the image cannot be opened',
      }),
    );
    await waitFor(() => expect(next()).toHaveProperty('disabled', false));
    await user.click(next());

    expect(screen.getByText('with a password (age)')).toBeTruthy();
    const image = join(dir.path, 'out', fileName.value);
    await user.click(screen.getByRole('button', { name: 'Start backup' }));
    await screen.findByText(/^Backup done: /, {}, { timeout: 60_000 });
    // The verify after it opens the image with the password the wizard still held.
    await screen.findByText(/^Verified: the image is intact/, {}, { timeout: 60_000 });
    // The password is not kept once the verify has it.
    expect(useBackupWizard.getState().draft.encryption.password).toBe('');

    const raw = await readFile(image);
    expect(raw.subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
    expect(raw.includes(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe(false);
    await expect(real.api.inspectImage({ image })).rejects.toMatchObject({
      info: { code: 'image-locked', remedy: 'give-passphrase' },
    });
    await expect(
      real.api.inspectImage({ image, key: { passphrase: 'Seven tulips' } }),
    ).rejects.toMatchObject({ info: { code: 'wrong-key' } });
    // The password opens it, and it holds the source's bytes.
    const passFile = join(dir.path, 'pass.txt');
    await writeFile(passFile, `${chosen}\n`);
    const restored = join(dir.path, 'restored.bin');
    const run = await spillway([
      'restore',
      image,
      restored,
      '--yes',
      '--passphrase-file',
      passFile,
    ]);
    expect(run.code, run.stderr).toBe(0);
    await sh(`cmp ${q(restored)} ${q(source)}`);
  }, 120_000);
});
