// The privileged helper as a real child process on a real Unix socket: who it lets in, that
// it dies with its parent, and what a kill -9 in the middle of a backup leaves (nothing).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll } from '../test-support/loop-devices.js';
import { REPO_ROOT } from '../test-support/paths.js';
import { noLoopReason } from '../test-support/root.js';
import { tempDir } from '../test-support/temp-dir.js';
import { HelperHost } from './helper-host.js';
import { helperScriptPath, startHelper } from './start-helper.js';

/** Connects to the socket, says `hello` (if given), and resolves with the host's answer. */
function knock(socketPath: string, hello?: object): Promise<{ type?: string; reason?: string }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let text = '';
    socket.on('connect', () => {
      if (hello) socket.write(JSON.stringify(hello) + '\n');
    });
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(text ? JSON.parse(text.split('\n')[0]!) : {}));
  });
}

/** Gone, or a zombie nobody reaps (a container's pid 1 may not). */
function isGone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the helper process', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  it('refuses a client without the secret, and any client once the helper is in', async () => {
    // The helper waits a moment before it starts: a stranger knocks first.
    let socketPath = '';
    let stranger: Promise<{ type?: string; reason?: string }> | null = null;
    const host = await HelperHost.start({
      command: (path) => {
        socketPath = path;
        stranger = knock(path, { type: 'hello', secret: 'guess', pid: 1 });
        return {
          file: 'bash',
          args: ['-c', `sleep 0.5; exec "$0" "$@"`, process.execPath, helperScriptPath(), path],
        };
      },
    });
    try {
      expect(await stranger).toEqual({ type: 'refused', reason: 'wrong secret' });
      // The socket's folder is open to this user only.
      expect((await stat(join(socketPath, '..'))).mode & 0o777).toBe(0o700);
      // A second client is refused even before it says anything.
      expect(await knock(socketPath)).toEqual({
        type: 'refused',
        reason: 'the helper is already connected',
      });
      expect(host.refusals).toBe(2);
      // The real helper still answers.
      await expect(
        host.ask({ method: 'inspectImage', params: { image: join(dir.path, 'none.img') } }),
      ).rejects.toMatchObject({ code: 'not-found' });
    } finally {
      await host.close();
    }
    expect(host.alive).toBe(false);
    expect(isGone(host.pid)).toBe(true);
  });

  it('exits when its parent is killed, cancelling its job first (no partial image)', async () => {
    const source = join(dir.path, 'orphan.bin');
    await randomFile(source, 32 * 2 ** 20, 'orphan');
    const out = join(dir.path, 'orphan-out');
    await mkdir(out);
    const parentScript = join(dir.path, 'parent.mjs');
    const module = join(REPO_ROOT, 'build', 'src-main', 'helper', 'start-helper.js');
    const job = {
      kind: 'backup',
      params: { source, destination: join(out, 'o.img.zst'), maxWriteRate: 4 * 2 ** 20 },
    };
    // The parent starts a slow backup and reports the helper's pid once the job writes.
    await writeFile(
      parentScript,
      `const { startHelper } = await import(${JSON.stringify(module)});\n` +
        `const host = await startHelper();\n` +
        `let told = false;\n` +
        `await host.start('orphan', ${JSON.stringify(job)}, (e) => {\n` +
        `  if (!told && e.type === 'progress' && e.bytesWritten > 0) {\n` +
        `    told = true; console.log(host.pid);\n  }\n});\n` +
        `setInterval(() => {}, 1000);\n`,
    );
    const parent = spawn(process.execPath, [parentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const helperPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      parent.once('exit', () => reject(new Error('the parent died first')));
    });
    expect(isGone(helperPid)).toBe(false);
    expect(await readdir(out)).toEqual(['o.img.zst.incomplete']);
    parent.kill('SIGKILL');
    const killed = performance.now();
    await waitFor(() => isGone(helperPid), 15_000, 'the helper to exit');
    console.log(`the orphaned helper exited ${Math.round(performance.now() - killed)} ms after`);
    expect(await readdir(out)).toEqual([]);
  });

  describe.skipIf(noLoopReason)(`killed mid-backup (${noLoopReason ?? 'root'})`, () => {
    it('ends the job with an error event and leaves no partial image or spill files', async () => {
      const loop = await attachLoop(await fixtureDisk({ sizeMiB: 160 }), { readOnly: true });
      const out = join(dir.path, 'out');
      const spill = join(dir.path, 'spill');
      await mkdir(out);
      await mkdir(spill);
      const host = await startHelper();
      const events: JobEvent[] = [];
      const ended = new Promise<JobEvent>((resolve) =>
        host.start(
          'kill-test',
          {
            kind: 'backup',
            params: {
              source: loop.path,
              destination: join(out, 'disk.img.zst'),
              mode: 'raw',
              // Writes slower than reads: the backlog spills to disk, as it would on a slow NAS.
              maxWriteRate: 2 * 2 ** 20,
              spillDir: spill,
            },
          },
          (event) => {
            events.push(event);
            if (event.type === 'done' || event.type === 'error') resolve(event);
          },
        ),
      );
      try {
        await waitFor(
          () =>
            events.some(
              (e) => e.type === 'progress' && e.bytesWritten > 0 && (e.spill?.bytes ?? 0) > 0,
            ),
          60_000,
          'the backup to write and spill',
        );
        // Mid-job, the image is being written and the spill folder holds segments.
        expect((await readdir(out)).some((n) => n.endsWith('.incomplete'))).toBe(true);
        expect(await readdir(spill)).not.toEqual([]);
        process.kill(host.pid, 'SIGKILL');
        const end = await ended;
        expect(end).toMatchObject({
          type: 'error',
          job: 'backup',
          error: { code: 'internal', message: expect.stringMatching(/stopped unexpectedly/) },
        });
        expect(await readdir(out)).toEqual([]);
        expect(await readdir(spill)).toEqual([]);
      } finally {
        await host.close();
        await loop.detach();
      }
    });
  });
});
