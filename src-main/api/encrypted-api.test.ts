// A password given in the app travels in memory only. An encrypted backup, then a restore
// through the API with the real helper (as the app runs it, as root) and the app's log file:
// the passphrase is in no file of the data folder (log, history, plans, settings), not in
// the helper's argv nor on its stdin (it crosses the helper's private socket with the job),
// and in no answer or job event the UI receives. Without it the image says it is locked; a
// wrong one is refused and nothing is written; the right one restores the very bytes.

import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelperHost } from '../helper/helper-host.js';
import { apiJobs, ended } from '../test-support/api-jobs.js';
import { randomFile } from '../test-support/fixtures.js';
import { isRoot } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';
import { watchedHelperBackend } from '../test-support/watched-helper.js';
import type { ApiBackend } from './api-handler.js';

const MiB = 2 ** 20;
const PASSPHRASE = 'heron kettle 47 tulips';

describe.skipIf(!isRoot)(
  `encrypted images through the API (${isRoot ? 'root' : 'needs root: the helper starts without a password prompt only as root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let backend: ApiBackend;
    let host: () => HelperHost | null;
    const at = (name: string) => join(dir.path, name);

    beforeAll(async () => {
      dir = await tempDir();
      await randomFile(at('source.img'), 12 * MiB, 'encrypted-api');
      await mkdir(at('out'));
      ({ backend, host } = watchedHelperBackend(at('data'), at('helper-stdin')));
    });
    afterAll(async () => {
      await backend?.runner.close();
      await dir?.remove();
    });

    it('backs up and restores with a passphrase that is kept nowhere', async () => {
      const jobs = apiJobs(backend);
      const answers: unknown[] = [];
      const call = async (method: string, params: Record<string, unknown>) => {
        const response = await jobs.call(method, params);
        answers.push(response);
        return response;
      };
      const image = at('out/disk.img.zst.age');
      const backup = await jobs.backup({
        source: at('source.img'),
        destination: image,
        encrypt: { passphrase: PASSPHRASE },
      });
      expect((await jobs.until(backup, ended)).at(-1)).toMatchObject({ type: 'done' });
      // While the helper runs: its command line holds no passphrase.
      const cmdline = await readFile(`/proc/${host()!.pid}/cmdline`, 'utf8');
      expect(cmdline).toMatch(/helper-main/);
      expect(cmdline).not.toContain(PASSPHRASE);

      // Without the passphrase: locked, and which key it needs.
      expect(await call('inspectImage', { image })).toMatchObject({
        ok: false,
        error: { code: 'image-locked', remedy: 'give-passphrase' },
      });
      const key = { passphrase: PASSPHRASE };
      expect(await call('inspectImage', { image, key })).toMatchObject({
        ok: true,
        result: { encrypted: true, codec: 'zstd' },
      });
      const target = at('restored.img');
      const restore = (passphrase: string) =>
        jobs.start('startRestore', {
          image,
          target,
          confirmName: 'restored.img',
          key: { passphrase },
        });
      // A wrong passphrase: refused in words, nothing written.
      const wrong = await restore('heron kettle 47 tulip');
      expect((await jobs.until(wrong, ended)).at(-1)).toMatchObject({
        type: 'error',
        error: { code: 'wrong-key', message: `The passphrase does not open ${image}.` },
      });
      expect(existsSync(target)).toBe(false);
      const right = await restore(PASSPHRASE);
      expect((await jobs.until(right, ended)).at(-1)).toMatchObject({ type: 'done' });
      await sh(`cmp ${q(target)} ${q(at('source.img'))}`);
      const verify = await jobs.start('startVerify', { image, key });
      expect((await jobs.until(verify, ended)).at(-1)).toMatchObject({
        type: 'done',
        result: { ok: true },
      });

      // Nowhere: the data folder's files (log, history, plans, settings), the helper's stdin,
      // what the UI was sent.
      const data = at('data');
      const files = await readdir(data);
      expect(files).toContain('spillway.log');
      expect(files).toContain('history.json');
      for (const file of files) {
        expect(await readFile(join(data, file), 'utf8'), file).not.toContain(PASSPHRASE);
      }
      expect(await readFile(join(data, 'spillway.log'), 'utf8')).toMatch(/restore .* failed/);
      expect(await readFile(at('helper-stdin'), 'utf8')).not.toContain(PASSPHRASE);
      expect(JSON.stringify([...jobs.events.values()])).not.toContain(PASSPHRASE);
      expect(JSON.stringify(answers)).not.toContain(PASSPHRASE);
      expect((await call('listPlans', {})).ok).toBe(true);
      expect(JSON.stringify(answers)).not.toContain(PASSPHRASE);
    }, 120_000);
  },
);
