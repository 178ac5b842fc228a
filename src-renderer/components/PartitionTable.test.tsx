// @vitest-environment happy-dom
// An image of every byte shows what its partitions hold: the filesystem and its label where
// one was found, "unknown" where none was, and a GPT partition's name as the partition's name,
// never as a filesystem label. A real disk (sfdisk, mkfs.ext4), a real raw backup, and the
// restore wizard showing it over a real API.

import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { spillway } from '../../src-main/test-support/cli.js';
import { q, sh } from '../../src-main/test-support/shell.js';
import { sfdiskFile } from '../../src-main/test-support/sfdisk-table.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { RestoreWizard } from '../restore/RestoreWizard.js';
import { useRestoreWizard } from '../restore/restore-store.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { partitionCells, partitionName } from './PartitionTable.js';

const MiB = 2 ** 20;
const TABLE =
  'label: gpt\n' +
  `start=2048, size=${16 * 2048}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="MyPhotos"\n` +
  `start=${17 * 2048}, size=${8 * 2048}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="Spare"\n`;

describe('partitions of an image of every byte', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let image: string;
  let disk: string;

  beforeAll(async () => {
    dir = await tempDir();
    disk = await sfdiskFile(dir.path, 'disk.bin', 32, TABLE);
    await sh(`mkfs.ext4 -F -q -L photos -E offset=${MiB} ${q(disk)} 16M`);
    // Partition 2 holds bytes no filesystem reader recognises.
    await sh(
      `head -c ${8 * MiB} /dev/urandom | dd of=${q(disk)} bs=1M seek=17 conv=notrunc status=none`,
    );
    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', disk, image, '--mode', 'raw']);
    expect(made.code, made.stderr).toBe(0);
    real = realApi(dir.path);
  });

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  it('shows the filesystem and label found, "unknown" otherwise, and the partition name apart', async () => {
    const user = userEvent.setup();
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <RestoreWizard />
      </ApiProvider>,
    );
    await user.type(screen.getByLabelText('Image file'), image);
    // A real image opened by a real API: allow for a loaded machine (the default is 1 s).
    await screen.findByText(/^zstd image, /, {}, { timeout: 15_000 });
    await user.click(screen.getByRole('button', { name: 'Next' }));
    const table = await screen.findByRole(
      'table',
      { name: 'Partitions in the image' },
      { timeout: 15_000 },
    );
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    const cells = rows.map((row) =>
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    );
    expect(cells[0]!.slice(0, 4)).toEqual(['1', 'MyPhotos, Linux filesystem', 'ext4', 'photos']);
    expect(cells[0]![4]).toMatch(/^[\d.]+ [KM]iB of 16\.0 MiB$/);
    expect(cells[1]).toEqual([
      '2',
      'Spare, Linux filesystem',
      'unknown',
      'unknown',
      'unknown of 8.00 MiB',
    ]);
  });

  it('reads what an image without a manifest holds (a plain image of another tool)', async () => {
    cleanup();
    useRestoreWizard.getState().reset();
    const user = userEvent.setup();
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <RestoreWizard />
      </ApiProvider>,
    );
    await user.type(screen.getByLabelText('Image file'), disk);
    await screen.findByText(/^none image, /);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    const table = await screen.findByRole(
      'table',
      { name: 'Partitions in the image' },
      { timeout: 20_000 },
    );
    const rows = within(table).getAllByRole('row').slice(1);
    const cells = rows.map((row) =>
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    );
    expect(cells.map((c) => c.slice(0, 4))).toEqual([
      ['1', 'MyPhotos, Linux filesystem', 'ext4', 'photos'],
      ['2', 'Spare, Linux filesystem', 'unknown', 'unknown'],
    ]);
  });

  it('words what was not found out, and never a partition name as a label', () => {
    const base = { index: 1, start: 0, size: MiB, type: 'x', mode: 'raw' as const };
    expect(partitionCells({ ...base, name: 'Data', filesystem: null })).toMatchObject({
      partition: 'Data',
      filesystem: 'unknown',
      label: 'unknown',
      used: 'unknown of 1.00 MiB',
    });
    expect(partitionCells({ ...base, filesystem: 'vfat', usedBytes: 0 })).toMatchObject({
      partition: '—',
      label: 'none',
    });
  });

  it('names a partition once when its GPT name already says its type', () => {
    // As sgdisk and the fixtures name them: the type's words in the name.
    expect(partitionName({ name: 'EFI system partition', typeName: 'EFI System' })).toBe(
      'EFI system partition',
    );
    expect(partitionName({ name: 'Linux swap', typeName: 'Linux swap' })).toBe('Linux swap');
    expect(partitionName({ name: 'Linux root', typeName: 'Linux filesystem' })).toBe(
      'Linux root, Linux filesystem',
    );
    expect(partitionName({ typeName: 'Microsoft basic data' })).toBe('Microsoft basic data');
    expect(partitionName({})).toBe('—');
  });
});
