// @vitest-environment happy-dom
// The Images screen over a real API (the engine in this process) and real images: three
// backups of one file, the second from the first after one of its four frames changed, the
// third at another level. Each row says its size, date, verify and what it shares with the
// one before, in the screen's words.

import { cleanup, render, screen, within } from '@testing-library/react';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupParams } from '../../src-shared/api.js';
import { jobEnd } from '../../src-main/test-support/api-session.js';
import { randomFile } from '../../src-main/test-support/fixtures.js';
import { writeSeededBytes } from '../../src-main/test-support/seeded-bytes.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { ApiProvider } from '../api/api-context.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { ImagesPage } from './ImagesPage.js';

const MiB = 2 ** 20;

describe('the Images screen', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  let source: string;
  const images: string[] = [];

  async function backup(name: string, params: Omit<BackupParams, 'source' | 'destination'>) {
    const destination = join(dir.path, name);
    const { jobId } = await real.api.startBackup({ source, destination, ...params });
    expect(await jobEnd(real.api, jobId)).toMatchObject({ type: 'done' });
    images.push(destination);
  }

  beforeAll(async () => {
    dir = await tempDir();
    real = realApi(dir.path);
    source = join(dir.path, 'disk.bin');
    await randomFile(source, 16 * MiB, 'images-page');
    await backup('disk-1.img.zst', { level: 3 });
    const handle = await open(source, 'r+');
    await writeSeededBytes(handle, 9 * MiB, 4096, 'images-page', 'changed');
    await handle.close();
    await backup('disk-2.img.zst', { level: 3, base: images[0]! });
    await backup('disk-3.img.zst', { level: 6 });
    const { jobId } = await real.api.startVerify({ image: images[1]! });
    await jobEnd(real.api, jobId);
  }, 120_000);

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  it('one group for the file, newest first, each row with what it shares', async () => {
    render(
      <ApiProvider value={{ api: real.api, transport: 'browser' }}>
        <ImagesPage />
      </ApiProvider>,
    );
    const list = await screen.findByRole('list', { name: `Images of ${source}, 16.0 MiB` });
    const rows = within(list).getAllByRole('listitem');
    expect(rows.map((row) => within(row).getByText(/\.img\.zst$/).textContent)).toEqual([
      images[2],
      images[1],
      images[0],
    ]);
    const [third, second, first] = rows as [HTMLElement, HTMLElement, HTMLElement];
    expect(third.textContent).toContain(
      'Not compared with the image before: they are compressed at different levels.',
    );
    expect(within(third).getByText('not verified yet')).toBeTruthy();
    expect(second.textContent).toContain('Shares 75% (12.0 MiB) with the image before.');
    expect(within(second).getByText('verified', { exact: true })).toBeTruthy();
    expect(second.textContent).toMatch(/made .* · 16\.0 MiB → /);
    // The oldest has nothing before it: nothing said.
    expect(first.textContent).not.toMatch(/Shares|compared/);
  });
});
