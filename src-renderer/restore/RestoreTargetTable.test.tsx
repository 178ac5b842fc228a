// @vitest-environment happy-dom
// The restore wizard's target step says how many partitions a drive holds from the drive's own
// partition table, as Home's drive cards do, not from the kernel's partition nodes: a loop
// device attached without a partition scan has three partitions and no nodes.

import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { spillway } from '../../src-main/test-support/cli.js';
import { randomFile } from '../../src-main/test-support/fixtures.js';
import { attachLoop, type LoopDevice } from '../../src-main/test-support/loop-devices.js';
import { noLoopReason } from '../../src-main/test-support/root.js';
import { sfdiskFile } from '../../src-main/test-support/sfdisk-table.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { HomePage } from '../home/HomePage.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { RestoreWizard } from './RestoreWizard.js';

const THREE = 'label: gpt\nsize=8MiB\nsize=8MiB\nsize=8MiB\n';

describe.skipIf(noLoopReason !== null)('partitions of a restore target', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let image: string;
  let loop: LoopDevice | undefined;

  beforeAll(async () => {
    dir = await tempDir();
    const source = join(dir.path, 'disk.bin');
    image = join(dir.path, 'disk.img.zst');
    await randomFile(source, 4 * 2 ** 20, 'target-table');
    expect((await spillway(['backup', source, image])).code).toBe(0);
    // No partition scan: the kernel makes no /dev/loopNpM nodes for this table.
    loop = await attachLoop(await sfdiskFile(dir.path, 'three.bin', 32, THREE));
    real = realApi(dir.path);
  });

  afterAll(async () => {
    cleanup();
    real?.close();
    await loop?.detach();
    await dir?.remove();
  });

  it('says "3 partitions" for a drive whose table lists three, as Home shows', async () => {
    const device = loop!.path;
    const user = userEvent.setup();
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <RestoreWizard />
      </ApiProvider>,
    );
    await user.type(screen.getByLabelText('Image file'), image);
    await screen.findByText(/^zstd image, /);
    const next = screen.getByRole('button', { name: 'Next' });
    await user.click(next);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.type(screen.getByLabelText(/^Or into an image file/), device);
    const erase = await screen.findByText(/Will erase:/, {}, { timeout: 10_000 });
    expect(erase.textContent).toContain(`everything on ${device}`);
    expect(erase.textContent).toContain('3 partitions');
    expect(erase.textContent).not.toContain('no partitions');
    cleanup();

    // Home, for the same drive: three rows.
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <HomePage />
      </ApiProvider>,
    );
    const showAll = await screen.findByRole('checkbox', { name: 'Show all devices' });
    // Enabled once the setting it shows has arrived.
    await waitFor(() => expect((showAll as HTMLInputElement).disabled).toBe(false));
    await user.click(showAll);
    const row = (await screen.findAllByText(device, {}, { timeout: 10_000 }))[0]!.closest('li')!;
    await user.click(row.querySelector('button.link')!);
    const table = await screen.findByRole('table', { name: `Partitions of ${device}` });
    expect(table.querySelectorAll('tbody tr')).toHaveLength(3);
  });
});
