// @vitest-environment happy-dom
// The restore wizard as a user drives it, over a real API (the engine in this process) and a
// real image: open it, verify it now, pick the target, and the confirm button stays disabled
// until the target's name is typed exactly; then the restore writes the same bytes.

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
});
