// @vitest-environment happy-dom
// The backup wizard as a user drives it, over a real API (the engine in this process) and a
// real source file: the plan, the compression sample, the destination checks (a missing
// folder, a wrong advanced setting keep Next disabled, with the reason said), then the
// backup and the verify after it.

import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { existsSync } from 'node:fs';
import { mkdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../../src-main/test-support/fixtures.js';
import { q, sh } from '../../src-main/test-support/shell.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { BackupWizard } from './BackupWizard.js';

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

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  it('checks each step, says why Next is disabled, then backs up and verifies', async () => {
    const user = userEvent.setup();
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <BackupWizard />
      </ApiProvider>,
    );
    const next = () => screen.getByRole('button', { name: 'Next' });
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
});
