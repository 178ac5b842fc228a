// The app's log in its data folder, with the real helper: after a job it tells what the main
// process and the helper did; after the helper is killed mid-job it says so, the job's error
// tells the user where the log is, and the helper's one-time secret is in it nowhere. A
// history that cannot be written is logged and shown to the user, not dropped.

import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelperHost } from '../helper/helper-host.js';
import { watchedHelperBackend } from '../test-support/watched-helper.js';
import { APP_LOG_NAME } from '../log/app-log.js';
import { randomFile } from '../test-support/fixtures.js';
import { isRoot } from '../test-support/root.js';
import { tempDir } from '../test-support/temp-dir.js';
import { type ApiBackend } from './api-handler.js';
import { apiJobs, ended } from '../test-support/api-jobs.js';
import { appBackend } from './app-backend.js';
import { inProcessRunner } from '../jobs/in-process-runner.js';

const MiB = 2 ** 20;

describe.skipIf(!isRoot)(
  `the app’s log, with the helper (${isRoot ? 'root' : 'needs root: the helper starts without a password prompt only as root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let backend: ApiBackend;
    let host: () => HelperHost | null = () => null;
    const secretFile = () => join(dir.path, 'secret-seen-by-helper');

    beforeAll(async () => {
      dir = await tempDir();
      await randomFile(join(dir.path, 'source.img'), 48 * MiB, 'app-log');
      await mkdir(join(dir.path, 'out'));
      // The helper as the app starts it, its stdin (the secret) copied on the way, so the
      // test knows the secret to look for.
      const watched = watchedHelperBackend(join(dir.path, 'data'), secretFile());
      backend = watched.backend;
      host = watched.host;
    });
    afterAll(async () => {
      await backend?.runner.close();
      await dir?.remove();
    });

    const logText = () => readFile(join(dir.path, 'data', APP_LOG_NAME), 'utf8');

    it('after a job: what the main process and the helper did', async () => {
      const jobs = apiJobs(backend);
      const jobId = await jobs.backup({
        source: join(dir.path, 'source.img'),
        destination: join(dir.path, 'out', 'done.img.zst'),
      });
      const events = await jobs.until(jobId, ended);
      expect(events.at(-1)?.type).toBe('done');
      const text = await logText();
      expect(text).toMatch(new RegExp(`INFO  \\[app\\] backup ${jobId} starting`));
      expect(text).toMatch(/\[app\] the helper \(pid \d+\) is connected/);
      expect(text).toMatch(/\[helper \d+\] started \(node /);
      expect(text).toMatch(new RegExp(`\\[helper \\d+\\] backup ${jobId} done`));
      expect(text).toMatch(new RegExp(`\\[app\\] backup ${jobId} done`));
    });

    it('after the helper is killed mid-job: why the job ended, where the log is, no secret', async () => {
      const jobs = apiJobs(backend);
      const jobId = await jobs.backup({
        source: join(dir.path, 'source.img'),
        destination: join(dir.path, 'out', 'killed.img.zst'),
        mode: 'raw',
        maxWriteRate: MiB,
      });
      await jobs.until(jobId, (events) =>
        events.some((e) => e.type === 'progress' && e.bytesWritten > 0),
      );
      process.kill(host()!.pid, 'SIGKILL');
      const end = (await jobs.until(jobId, ended)).at(-1)!;
      const logFile = join(dir.path, 'data', APP_LOG_NAME);
      expect(end).toMatchObject({
        type: 'error',
        error: {
          code: 'internal',
          facts: { log: logFile },
          remedy: 'read-log',
        },
      });
      const text = await logText();
      expect(text).toMatch(
        /ERROR \[app\] the helper stopped unexpectedly: it was stopped \(SIGKILL\), while running: backup/,
      );
      expect(text).toMatch(
        new RegExp(`WARN  \\[app\\] backup ${jobId} failed: The helper process`),
      );
      const secret = (await readFile(secretFile(), 'utf8')).trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(text).not.toContain(secret);
    });
  },
);

describe('a history that cannot be written', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  it('is logged with its cause and shown as a warning before the job’s end', async () => {
    const data = join(dir.path, 'data');
    await mkdir(data);
    // history.json's temporary file cannot be made: a folder stands where it goes.
    await mkdir(join(data, `history.json.${process.pid}.tmp`));
    const source = join(dir.path, 'source.img');
    await writeFile(source, Buffer.alloc(MiB));
    const backend = appBackend(data, inProcessRunner());
    const jobs = apiJobs(backend);
    const jobId = await jobs.backup({ source, destination: join(dir.path, 'x.img.zst') });
    const events = await jobs.until(jobId, ended);
    const warning = events.find((e) => e.type === 'warning');
    expect(warning).toMatchObject({
      message: expect.stringMatching(/could not be added to the history.*The details are in /),
    });
    expect(events.indexOf(warning!)).toBeLessThan(events.length - 1);
    expect(events.at(-1)?.type).toBe('done');
    const text = await readFile(join(data, APP_LOG_NAME), 'utf8');
    expect(text).toMatch(/ERROR \[app\] could not add backup .* to the history\n {4}Error: EISDIR/);
  });
});
