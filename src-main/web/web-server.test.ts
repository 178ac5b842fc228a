// `spillway ui`'s server, over a real WebSocket on 127.0.0.1: who is refused, and the API
// end to end (drives, a backup job with its events, verify, a refused restore, cancel).

import { existsSync } from 'node:fs';
import { readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { JobMessage, Response } from '../../src-shared/api.js';
import { randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { tempDir } from '../test-support/temp-dir.js';
import { appBackend } from '../api/app-backend.js';
import { inProcessRunner } from '../jobs/in-process-runner.js';
import { startWebServer, type WebServer } from './web-server.js';

interface Client {
  call(method: string, params: object): Promise<Response>;
  /** Resolves with the job's events once it reports done or error. */
  jobEnd(jobId: string): Promise<JobMessage['event'][]>;
  /** The job's events so far. */
  eventsOf(jobId: string): JobMessage['event'][];
  close(): void;
}

function open(
  server: WebServer,
  options: { token?: string; origin?: string | null; host?: string } = {},
): Promise<Client | { refused: number }> {
  const token = options.token ?? server.token;
  const origin = options.origin === undefined ? `http://127.0.0.1:${server.port}` : options.origin;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${token}`, {
    headers: {
      ...(options.host ? { host: options.host } : {}),
      ...(origin ? { origin } : {}),
    },
  });
  const events = new Map<string, JobMessage['event'][]>();
  const waiting = new Map<number, (response: Response) => void>();
  const ends = new Map<string, () => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Response | JobMessage;
    if ('jobId' in message) {
      events.set(message.jobId, [...(events.get(message.jobId) ?? []), message.event]);
      if (message.event.type === 'done' || message.event.type === 'error') {
        ends.get(message.jobId)?.();
      }
    } else {
      waiting.get(message.id)?.(message);
    }
  });
  let next = 1;
  return new Promise((resolve) => {
    ws.once('unexpected-response', (_request, response) =>
      resolve({ refused: response.statusCode ?? 0 }),
    );
    ws.once('error', () => resolve({ refused: -1 }));
    ws.once('open', () =>
      resolve({
        call(method, params) {
          const id = next++;
          return new Promise((answer) => {
            waiting.set(id, answer);
            ws.send(JSON.stringify({ id, call: { method, params } }));
          });
        },
        jobEnd(jobId) {
          const done = () => events.get(jobId) ?? [];
          const last = done().at(-1);
          if (last && (last.type === 'done' || last.type === 'error'))
            return Promise.resolve(done());
          return new Promise((resolve) => ends.set(jobId, () => resolve(done())));
        },
        eventsOf: (jobId) => events.get(jobId) ?? [],
        close: () => ws.close(),
      }),
    );
  });
}

async function client(server: WebServer): Promise<Client> {
  const opened = await open(server);
  if ('refused' in opened) throw new Error(`refused: ${opened.refused}`);
  return opened;
}

describe('spillway ui server', () => {
  let server: WebServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
    // Jobs in this process: the helper and its transports have their own tests.
    server = await startWebServer({
      backend: appBackend(join(dir.path, 'data'), inProcessRunner()),
    });
  });

  afterAll(async () => {
    await server?.close();
    detachAll();
    await dir?.remove();
  });

  it('listens on 127.0.0.1 with a token in its URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('refuses a wrong token, a wrong or missing Origin, and a wrong Host', async () => {
    const host = `127.0.0.1:${server.port}`;
    expect(await open(server, { token: 'guess' })).toEqual({ refused: 403 });
    expect(await open(server, { origin: 'http://evil.example' })).toEqual({ refused: 403 });
    expect(await open(server, { origin: null })).toEqual({ refused: 403 });
    // DNS rebinding: a hostile name resolved to 127.0.0.1 arrives with its own Host.
    expect(await open(server, { host: `evil.example:${server.port}` })).toEqual({ refused: 403 });
    const page = await fetch(`http://${host}/?token=guess`);
    expect(page.status).toBe(403);
    const good = await fetch(server.url);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('answers a request it cannot understand with a usage error', async () => {
    const c = await client(server);
    const response = await c.call('formatDisk', { path: '/dev/sda' });
    expect(response).toMatchObject({ ok: false, error: { code: 'usage' } });
    c.close();
  });

  it.skipIf(noLoopReason)('lists a loop device the test attached, with its size', async () => {
    const file = join(dir.path, 'listed.bin');
    await writeFile(file, '');
    await truncate(file, 48 * 2 ** 20);
    const loop = await attachLoop(file);
    const c = await client(server);
    const response = await c.call('listDrives', { all: true });
    expect(response.ok).toBe(true);
    const drives = (response as { result: Array<{ path: string; size: number }> }).result;
    expect(drives.find((d) => d.path === loop.path)?.size).toBe(48 * 2 ** 20);
    c.close();
    await loop.detach();
  });

  it('runs a backup job with its events, verifies the image, and refuses an unconfirmed restore', async () => {
    const source = join(dir.path, 'disk.bin');
    await randomFile(source, 12 * 2 ** 20, 'web-backup');
    const image = join(dir.path, 'disk.img.zst');
    const c = await client(server);
    const started = await c.call('startBackup', { source, destination: image });
    expect(started.ok).toBe(true);
    const { jobId } = (started as { result: { jobId: string } }).result;
    const events = await c.jobEnd(jobId);
    expect(events.map((e) => e.type)).toContain('phase');
    const done = events.at(-1)!;
    expect(done).toMatchObject({ type: 'done', result: { kind: 'backup', size: 12 * 2 ** 20 } });
    expect(existsSync(image)).toBe(true);

    const verify = await c.call('startVerify', { image });
    const verified = await c.jobEnd((verify as { result: { jobId: string } }).result.jobId);
    expect(verified.at(-1)).toMatchObject({ type: 'done', result: { kind: 'verify', ok: true } });

    const target = join(dir.path, 'target.bin');
    const restore = await c.call('startRestore', { image, target, confirmName: 'wrong' });
    const refused = await c.jobEnd((restore as { result: { jobId: string } }).result.jobId);
    expect(refused.at(-1)).toMatchObject({ type: 'error', error: { code: 'not-confirmed' } });
    expect(existsSync(target)).toBe(false);
    c.close();
  });

  it('cancels a running job, which leaves nothing behind', async () => {
    const source = join(dir.path, 'big.bin');
    await randomFile(source, 128 * 2 ** 20, 'web-cancel');
    const out = join(dir.path, 'out');
    await import('node:fs/promises').then((fs) => fs.mkdir(out));
    const c = await client(server);
    const started = await c.call('startBackup', {
      source,
      destination: join(out, 'big.img.xz'),
      codec: 'xz',
    });
    const { jobId } = (started as { result: { jobId: string } }).result;
    // Mid-run: once the drive is being read and frames are at the compressors.
    while (!c.eventsOf(jobId).some((e) => e.type === 'phase' && e.phase === 'reading')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await c.call('cancel', { jobId })).toMatchObject({ ok: true });
    const asked = performance.now();
    const events = await c.jobEnd(jobId);
    console.log(`cancel: the job ended ${Math.round(performance.now() - asked)} ms after`);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'cancelled' } });
    expect(await readdir(out)).toEqual([]);
    c.close();
  });
});
