// @vitest-environment happy-dom
// A backup that fails because its image is already there, over the real API (the engine in
// this process): the app says what happened and what to do in its own words, naming no flag.

import { cleanup, render, screen } from '@testing-library/react';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src-shared/protocol/events.js';
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
});
