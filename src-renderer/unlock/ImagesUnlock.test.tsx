// @vitest-environment happy-dom
// An encrypted image under Images and in Browse files, over a real API (the engine in this
// process): Verify first asks for the password (a wrong one is refused at the field, in the
// engine's words) and verifies with the right one; Browse files asks too, then lists.

import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../../src-main/test-support/fixtures.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { BrowsePage } from '../browse/BrowsePage.js';
import { useBrowse } from '../browse/browse-store.js';
import { ImagesPage } from '../images/ImagesPage.js';
import { realApi, type RealApi } from '../test-support/real-api.js';

const PASSWORD = 'marble otter 1923';

describe('an encrypted image under Images and Browse files', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    const source = join(dir.path, 'disk.bin');
    await randomFile(source, 4 * 2 ** 20, 'images-unlock');
    real = realApi(dir.path);
    image = join(dir.path, 'disk.img.zst.age');
    await real.api.startBackup({ source, destination: image, encrypt: { passphrase: PASSWORD } });
    // Listed once the backup has ended.
    for (let waited = 0; (await real.api.listImages({})).length === 0; waited += 100) {
      if (waited > 60_000) throw new Error('the backup did not end');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  const show = (page: React.ReactNode) => {
    cleanup();
    render(<ApiProvider value={{ api: real.api, transport: 'browser' }}>{page}</ApiProvider>);
    return userEvent.setup();
  };

  it('Verify asks for the password, refuses a wrong one, verifies with the right one', async () => {
    const user = show(<ImagesPage />);
    const images = await screen.findByRole('list', { name: /^Images of / });
    const row = within(images).getByText(image).closest('li')!;
    await user.click(within(row).getByRole('button', { name: 'Verify' }));
    const password = await within(row).findByLabelText(`${image} is encrypted: its password`);
    await user.type(password, 'marble otter 1932');
    await user.click(within(row).getByRole('button', { name: 'Open' }));
    await within(row).findByText(`The passphrase does not open ${image}.`, {}, { timeout: 20_000 });
    expect(within(row).queryByText(/^Verified/)).toBeNull();
    await user.clear(password);
    await user.type(password, PASSWORD);
    await user.click(within(row).getByRole('button', { name: 'Open' }));
    await within(row).findByText(/^Verified: the image is intact/, {}, { timeout: 30_000 });
    expect(within(row).queryByLabelText(/its password/)).toBeNull();
  }, 60_000);

  it('Browse files asks for the password, then lists the image', async () => {
    const user = show(<BrowsePage />);
    await useBrowse.getState().openImage(real.api, image, 'images');
    const password = await screen.findByLabelText(`${image} is encrypted: its password`);
    await user.type(password, PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Open' }));
    // Opened: the partitions listed (random bytes: the whole drive, no filesystem), the field
    // gone.
    await waitFor(() => expect(useBrowse.getState().listing).not.toBeNull(), { timeout: 20_000 });
    expect(useBrowse.getState().listing).toMatchObject({
      image,
      size: 4 * 2 ** 20,
      partitions: [{ index: 1, browsable: false }],
    });
    await waitFor(() => expect(screen.queryByLabelText(/its password/)).toBeNull());
  }, 60_000);
});
