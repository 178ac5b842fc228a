// @vitest-environment happy-dom
// Browse files over a real API (the engine in this process) and a real image whose ext4
// partition has a damaged folder (its first block overwritten before the backup, as a failing
// drive would leave it): opening that folder shows, in place, which folder and why, with the
// next step; the folders beside it still open, and their files can still be ticked.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../../src-main/test-support/cli.js';
import { extAt, fileBlocks, makeExtDisk } from '../../src-main/test-support/ext-disk.js';
import { q, sh } from '../../src-main/test-support/shell.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { BrowsePage } from './BrowsePage.js';
import { useBrowse } from './browse-store.js';

const MIB = 2 ** 20;
const BLOCK = 4096;

describe('Browse files on a damaged image', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    const files = join(dir.path, 'files');
    await sh(
      [
        `mkdir -p ${q(files)}/good ${q(files)}/broken && cd ${q(files)}`,
        `printf 'fine' > good/fine.txt`,
        `for i in $(seq 1 40); do printf "$i" > broken/lost-$i.txt; done`,
      ].join(' && '),
    );
    const disk = join(dir.path, 'disk.img');
    await makeExtDisk(disk, 32, [{ sizeMiB: 30, files, mkfs: '-b 4096' }]);
    const [folderBlock] = await fileBlocks(extAt(disk, 1), '/broken');
    const handle = await open(disk, 'r+');
    await handle.write(Buffer.alloc(64, 0xa7), 0, 64, MIB + folderBlock! * BLOCK);
    await handle.close();
    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', disk, image]);
    expect(made.code, made.stderr).toBe(0);
    real = realApi(dir.path);
  });

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  it('shows the damaged folder’s problem in place; the rest stays browsable', async () => {
    const user = userEvent.setup();
    await useBrowse.getState().openImage(real.api, image, 'images');
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <BrowsePage />
      </ApiProvider>,
    );
    const root = await screen.findByRole('list', { name: 'In partition 1' });
    await user.click(within(root).getByRole('button', { name: 'Show what is in broken' }));
    const problem = await screen.findByRole('alert');
    expect(problem.textContent).toMatch(/^1:\/broken: /);
    expect(problem.textContent).toContain('the other folders can still be opened');

    await user.click(within(root).getByRole('button', { name: 'Show what is in good' }));
    const good = await screen.findByRole('list', { name: 'In good' });
    await user.click(within(good).getByRole('checkbox', { name: 'fine.txt' }));
    await waitFor(() => expect(screen.getByText(/^Chosen: 1 file \(4 B\)/)).toBeTruthy());
  });
});
