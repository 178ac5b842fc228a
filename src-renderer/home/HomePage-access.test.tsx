// @vitest-environment happy-dom
// Opening the app is not a password prompt: where reading drives would start the privileged
// helper through the system's password prompt, Home lists the drives (that needs no rights)
// but reads no drive's partitions until the person asks, on a card, and then reads them all.
// The helper here is the real one, started by the app's own lazy runner; only the fact that
// starting it would prompt is given (these tests run as root, where nothing prompts).

import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyHelperRunner } from '../../src-main/api/app-backend.js';
import { startHelper } from '../../src-main/helper/start-helper.js';
import { attachLoop, type LoopDevice } from '../../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../../src-main/test-support/root.js';
import { sfdiskFile } from '../../src-main/test-support/sfdisk-table.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { HomePage } from './HomePage.js';

const TWO = 'label: gpt\nsize=8MiB\nsize=8MiB\n';

describe.skipIf(noLoopReason !== null)(
  `Home where reading drives prompts for a password (${noLoopReason ?? 'root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let real: RealApi;
    let loop: LoopDevice | undefined;

    beforeAll(async () => {
      dir = await tempDir();
      loop = await attachLoop(await sfdiskFile(dir.path, 'two.bin', 24, TWO));
      real = realApi(
        dir.path,
        lazyHelperRunner(() => startHelper(), true),
      );
    });

    afterAll(async () => {
      cleanup();
      real?.close();
      await loop?.detach();
      await dir?.remove();
    });

    it('reads partitions only when asked, and then without asking again', async () => {
      const device = loop!.path;
      const user = userEvent.setup();
      render(
        <ApiProvider value={{ api: real.api, transport: 'browser' }}>
          <HomePage />
        </ApiProvider>,
      );
      const showAll = await screen.findByRole('checkbox', { name: 'Show all devices' });
      // Enabled once the setting it shows has arrived.
      await waitFor(() => expect((showAll as HTMLInputElement).disabled).toBe(false));
      await user.click(showAll);
      const card = (await screen.findAllByText(device, {}, { timeout: 10_000 }))[0]!.closest('li')!;
      const ask = await within(card).findByRole('button', { name: 'Read partitions' });
      expect(card.textContent).toContain('needs your administrator password');
      expect(card.textContent).not.toContain('Reading its partitions');
      // Nothing was asked of the helper: it still has not started.
      expect(await real.api.getAccess({})).toEqual({ passwordPrompt: true });

      await user.click(ask);
      const uses = await within(card).findByRole(
        'list',
        { name: `Space used on ${device}` },
        { timeout: 20_000 },
      );
      expect(uses.querySelectorAll('li')).toHaveLength(2);
      expect(within(card).queryByRole('button', { name: 'Read partitions' })).toBeNull();
      expect(await real.api.getAccess({})).toEqual({ passwordPrompt: false });
    }, 60_000);
  },
);
