// @vitest-environment happy-dom
// Jobs over the real API (the engine in this process), and what the app says of them: a
// backup that fails because its image is already there (what happened and what to do, in its
// own words, naming no flag); an image made by `zstd` restored in one pass or checked first
// (when its checksums were checked, as it happened).

import { cleanup, render, screen } from '@testing-library/react';
import { truncate, writeFile } from 'node:fs/promises';
import { randomFile } from '../../src-main/test-support/fixtures.js';
import { q, sh } from '../../src-main/test-support/shell.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import type { RestoreParams } from '../../src-shared/api.js';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { JobOutcomeNote } from './JobOutcomeNote.js';
import { applyJobEvent, newJobView } from './job-view.js';

describe('a failed job’s note', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;

  beforeAll(async () => {
    dir = await tempDir();
    real = realApi(dir.path);
  });

  afterAll(async () => {
    cleanup();
    real?.close();
    await dir?.remove();
  });

  it('an existing image: choose another name, and no --force', async () => {
    const source = join(dir.path, 'stick.bin');
    await writeFile(source, '');
    await truncate(source, 4 * 2 ** 20);
    const destination = join(dir.path, 'stick.img.zst');
    await writeFile(destination, 'an earlier image');

    const events: JobEvent[] = [];
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    real.api.onJobEvent((_, event) => {
      events.push(event);
      if (event.type === 'error' || event.type === 'done') ended();
    });
    const { jobId } = await real.api.startBackup({ source, destination });
    await end;

    const view = events.reduce(applyJobEvent, newJobView(jobId, 'backup', 'Back up stick.bin'));
    const { container } = render(<JobOutcomeNote view={view} />);
    expect(screen.getByText(`${destination} already exists.`)).toBeTruthy();
    expect(
      screen.getByText(
        'Choose another file name or folder: the image would replace a file that is there.',
      ),
    ).toBeTruthy();
    expect(container.textContent).not.toMatch(/--[a-z]/);
  });

  it('an image made by zstd: checked as it was written, or before when asked', async () => {
    const source = join(dir.path, 'old-disk.img');
    await randomFile(source, 3 * 2 ** 20, 'outcome-note');
    const image = join(dir.path, 'old-disk.img.zst');
    await sh(`zstd -q -3 -c < ${q(source)} > ${q(image)}`);

    const restored = async (name: string, extra: Partial<RestoreParams>) => {
      const events: JobEvent[] = [];
      let ended!: () => void;
      const end = new Promise<void>((resolve) => (ended = resolve));
      const off = real.api.onJobEvent((_, event) => {
        events.push(event);
        if (event.type === 'error' || event.type === 'done') ended();
      });
      const target = join(dir.path, name);
      const { jobId } = await real.api.startRestore({ image, target, confirmName: name, ...extra });
      await end;
      off();
      await sh(`cmp ${q(source)} ${q(target)}`);
      const view = events.reduce(applyJobEvent, newJobView(jobId, 'restore', 'Restore'));
      const { container } = render(<JobOutcomeNote view={view} />);
      const text = container.textContent ?? '';
      cleanup();
      return text;
    };

    const onePass = await restored('one-pass.img', {});
    expect(onePass).toContain('The image was checked as it was written, by its compressor’s own');
    expect(onePass).not.toMatch(/checked before writing/);
    const checkedFirst = await restored('checked-first.img', { checkForeignFirst: true });
    expect(checkedFirst).toContain('The image was checked before writing by its compressor’s own');
  });
});
