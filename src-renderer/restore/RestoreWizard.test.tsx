// @vitest-environment happy-dom
// The restore wizard as a user drives it, over a real API (the engine in this process) and a
// real image: open it, verify it now, pick the target, and the confirm button stays disabled
// until the target's name is typed exactly; then the restore writes the same bytes. An
// encrypted image asks for its password (a wrong one is refused at the field, and the way on
// stays closed), or, encrypted to an age key, for the key file.

import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { spillway } from '../../src-main/test-support/cli.js';
import { randomFile } from '../../src-main/test-support/fixtures.js';
import { q, sh } from '../../src-main/test-support/shell.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { RestoreWizard } from './RestoreWizard.js';
import { useRestoreWizard } from './restore-store.js';
import { writeFile } from 'node:fs/promises';

describe('the restore wizard', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let source: string;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'disk.bin');
    image = join(dir.path, 'disk.img.zst');
    await randomFile(source, 4 * 2 ** 20, 'restore-wizard');
    const made = await spillway(['backup', source, image]);
    expect(made.code).toBe(0);
    real = realApi(dir.path);
  });

  /** A fresh wizard on screen, and a user to drive it. */
  const startWizard = () => {
    cleanup();
    useRestoreWizard.getState().reset();
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <RestoreWizard />
      </ApiProvider>,
    );
    return userEvent.setup();
  };

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  it('keeps "Erase and restore" disabled until the target’s name is typed, then restores', async () => {
    const user = userEvent.setup();
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <RestoreWizard />
      </ApiProvider>,
    );
    const next = screen.getByRole('button', { name: 'Next' });
    expect(next).toHaveProperty('disabled', true);
    expect(screen.getByText('Choose an image to restore.')).toBeTruthy();

    await user.type(screen.getByLabelText('Image file'), image);
    await screen.findByText(/^zstd image, /);
    await waitFor(() => expect(next).toHaveProperty('disabled', false));
    await user.click(next);

    // What is in it: not verified yet; verify now.
    expect(screen.getByText('not yet')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Verify now' }));
    await screen.findByText(/^Verified: the image is intact/, {}, { timeout: 30_000 });
    await screen.findByText('yes, intact');
    await user.click(screen.getByRole('button', { name: 'Next' }));

    // The target list holds this machine's drives; the test restores into a file instead
    // (never onto a drive it did not create).
    const target = join(dir.path, 'restored.bin');
    await user.type(screen.getByLabelText(/^Or into an image file/), target);
    await screen.findByText(/Will erase:/);
    await user.click(screen.getByRole('button', { name: 'Next' }));

    const restore = screen.getByRole('button', { name: 'Erase and restore' });
    const typed = screen.getByLabelText(/^Type .* to confirm/);
    expect(restore).toHaveProperty('disabled', true);
    await user.type(typed, 'restored');
    expect(restore).toHaveProperty('disabled', true);
    expect(screen.getByText('Type restored.bin to confirm.')).toBeTruthy();
    await user.type(typed, '.bin ');
    expect(restore).toHaveProperty('disabled', true);
    await user.type(typed, '{Backspace}');
    expect(restore).toHaveProperty('disabled', false);
    await user.click(restore);

    await screen.findByText(
      /Read back: every written byte is as in the image/,
      {},
      {
        timeout: 30_000,
      },
    );
    expect(
      screen.getByText(/checked before writing: byte for byte as the backup wrote it/),
    ).toBeTruthy();
    await sh(`cmp ${q(source)} ${q(target)}`);
  });

  it('asks an encrypted image’s password, refuses a wrong one, then restores with the right one', async () => {
    const passFile = join(dir.path, 'pass.txt');
    await writeFile(passFile, 'otter lantern 1987\n');
    const encrypted = join(dir.path, 'disk.img.zst.age');
    const made = await spillway(['backup', source, encrypted, '--passphrase-file', passFile]);
    expect(made.code, made.stderr).toBe(0);
    const user = startWizard();
    const next = () => screen.getByRole('button', { name: 'Next' });
    await user.type(screen.getByLabelText('Image file'), encrypted);
    const password = await screen.findByLabelText(`${encrypted} is encrypted: its password`);
    expect(
      screen.getByText('The image is encrypted: type its password and choose Open.'),
    ).toBeTruthy();
    expect(next()).toHaveProperty('disabled', true);

    await user.type(password, 'otter lantern 1986');
    await user.click(screen.getByRole('button', { name: 'Open' }));
    await screen.findByText(`The passphrase does not open ${encrypted}.`, {}, { timeout: 20_000 });
    expect(screen.getByText(/^Type the password again: capitals and spaces count/)).toBeTruthy();
    expect(next()).toHaveProperty('disabled', true);

    await user.clear(password);
    await user.type(password, 'otter lantern 1987');
    await user.click(screen.getByRole('button', { name: 'Open' }));
    await screen.findByText(/^Encrypted zstd image, /, {}, { timeout: 20_000 });
    expect(screen.queryByLabelText(/is encrypted: its password/)).toBeNull();
    await user.click(next());
    // Verify and restore open it with the same password, held by the wizard.
    await user.click(screen.getByRole('button', { name: 'Verify now' }));
    await screen.findByText(/^Verified: the image is intact/, {}, { timeout: 30_000 });
    await user.click(next());
    const target = join(dir.path, 'from-encrypted.bin');
    await user.type(screen.getByLabelText(/^Or into an image file/), target);
    await screen.findByText(/Will erase:/, {}, { timeout: 20_000 });
    await user.click(next());
    await user.type(screen.getByLabelText(/^Type .* to confirm/), 'from-encrypted.bin');
    await user.click(screen.getByRole('button', { name: 'Erase and restore' }));
    await screen.findByText(
      /Read back: every written byte is as in the image/,
      {},
      { timeout: 30_000 },
    );
    await sh(`cmp ${q(source)} ${q(target)}`);
  }, 120_000);

  it('asks for the key file of an image encrypted to an age key', async () => {
    const identity = join(dir.path, 'key.txt');
    await sh(`age-keygen -o ${q(identity)} 2>/dev/null`);
    const recipient = (await sh(`age-keygen -y ${q(identity)}`)).trim();
    const encrypted = join(dir.path, 'for-key.img.zst.age');
    const made = await spillway(['backup', source, encrypted, '--recipient', recipient]);
    expect(made.code, made.stderr).toBe(0);
    const user = startWizard();
    await user.type(screen.getByLabelText('Image file'), encrypted);
    await screen.findByText(/was encrypted for an age key, not a password/);
    expect(screen.queryByLabelText(/its password/)).toBeNull();
    await user.type(screen.getByLabelText('Key file'), identity);
    await user.click(screen.getByRole('button', { name: 'Open' }));
    await screen.findByText(/^Encrypted zstd image, /, {}, { timeout: 20_000 });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Next' })).toHaveProperty('disabled', false),
    );
  });
});
