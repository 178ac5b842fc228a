// The API's contract, the same tests over both transports: the Electron window's (structured
// clones over a MessageChannel, as Electron IPC carries the preload bridge's messages) and the
// browser's (a real WebSocket to `spillway ui`'s server on 127.0.0.1). Jobs run in the real
// privileged helper; results and events are validated by the same client the renderer uses.

import { existsSync } from 'node:fs';
import { stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createApiClient, type ApiClient } from '../../src-shared/api-client.js';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import { webSocketClientLink } from '../../src-shared/websocket-link.js';
import { openHistory } from '../store/history-store.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll } from '../test-support/loop-devices.js';
import { apiSession, jobEnd, jobEvents, type ApiSession } from '../test-support/api-session.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';
import { startWebServer } from '../web/web-server.js';
import type { ApiBackend } from './api-handler.js';
import { appBackend, lazyHelperRunner } from './app-backend.js';

/** An API session over one transport; its close also closes the backend's runner. */
const TRANSPORTS: Record<string, (backend: ApiBackend) => Promise<ApiSession>> = {
  'IPC (structured clones over a MessageChannel)': async (backend) => apiSession(backend),
  'WebSocket (spillway ui on 127.0.0.1)': async (backend) => {
    const server = await startWebServer({ backend });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      origin: `http://127.0.0.1:${server.port}`,
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const api = createApiClient(webSocketClientLink(ws));
    return {
      api,
      async close() {
        api.close();
        ws.close();
        await server.close();
        await backend.runner.close();
      },
    };
  },
};

describe.each(Object.entries(TRANSPORTS))('the API over %s', (_name, connect) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let backend: ApiBackend;
  let connection: ApiSession;
  let api: ApiClient;

  beforeAll(async () => {
    dir = await tempDir();
    backend = appBackend(join(dir.path, 'data'), lazyHelperRunner());
    connection = await connect(backend);
    api = connection.api;
  });

  afterAll(async () => {
    // The session closes the runner; without one (connecting failed), the runner is closed here.
    await (connection ? connection.close() : backend?.runner.close());
    detachAll();
    await dir?.remove();
  });

  it('keeps settings, with defaults', async () => {
    expect(await api.getSettings({})).toEqual({ showAllDevices: false, spillDir: null });
    expect(await api.updateSettings({ showAllDevices: true })).toEqual({
      showAllDevices: true,
      spillDir: null,
    });
    expect((await api.getSettings({})).showAllDevices).toBe(true);
  });

  it('says that only the desktop app can show a file in its folder', async () => {
    await expect(api.revealInFolder({ path: dir.path })).rejects.toMatchObject({
      info: { code: 'usage', message: 'Only the desktop app can open a folder window.' },
    });
  });

  it('refuses a malformed request with a usage error, and an unknown job', async () => {
    await expect(api.startBackup({ source: '', destination: 'x' })).rejects.toMatchObject({
      info: { code: 'usage' },
    });
    await expect(api.cancel({ jobId: 'no-such-job' })).rejects.toMatchObject({
      info: { code: 'not-found' },
    });
  });

  it.skipIf(noLoopReason)(
    `lists a loop device the test attached, with "show all devices" on (${noLoopReason ?? 'root'})`,
    async () => {
      const file = join(dir.path, 'listed.bin');
      await writeFile(file, '');
      await truncate(file, 40 * 2 ** 20);
      const loop = await attachLoop(file);
      try {
        await api.updateSettings({ showAllDevices: true });
        const listed = (await api.listDrives({})).find((d) => d.path === loop.path);
        expect(listed).toMatchObject({ size: 40 * 2 ** 20, virtual: true, canRestoreTo: true });
        await api.updateSettings({ showAllDevices: false });
        expect((await api.listDrives({})).some((d) => d.path === loop.path)).toBe(false);
        // A virtual disk is flushed, never handed to `eject`; a path that is no drive is refused.
        expect(await api.ejectDrive({ path: loop.path })).toMatchObject({
          ejected: false,
          message: expect.stringMatching(/virtual disk: there is nothing to eject/),
        });
        await expect(api.ejectDrive({ path: join(dir.path, 'listed.bin') })).rejects.toMatchObject({
          info: { code: 'not-found' },
        });
      } finally {
        await loop.detach();
      }
    },
  );

  it('backs up, verifies and restores through the helper, and keeps the history', async () => {
    const source = join(dir.path, 'disk.bin');
    await randomFile(source, 8 * 2 ** 20, 'contract');
    const image = join(dir.path, 'disk.img.zst');

    const backup = await api.startBackup({ source, destination: image });
    const backupEvents = await jobEvents(api, backup.jobId);
    expect(backupEvents.some((e) => e.type === 'phase')).toBe(true);
    expect(backupEvents.at(-1)).toMatchObject({
      type: 'done',
      result: { kind: 'backup', image, size: 8 * 2 ** 20 },
    });

    const info = await api.inspectImage({ image });
    expect(info).toMatchObject({ layout: 'indexed', payloadSize: 8 * 2 ** 20 });

    const verify = await api.startVerify({ image });
    expect(await jobEnd(api, verify.jobId)).toMatchObject({
      type: 'done',
      result: { kind: 'verify', ok: true },
    });

    const target = join(dir.path, 'restored.bin');
    const plan = await api.planRestore({ image, target });
    expect(plan.target.name).toBe('restored.bin');
    expect(plan.refusals).toEqual([]);
    const refused = await api.startRestore({ image, target, confirmName: 'disk.bin' });
    expect(await jobEnd(api, refused.jobId)).toMatchObject({
      type: 'error',
      error: { code: 'not-confirmed' },
    });
    expect(existsSync(target)).toBe(false);
    // The path now leads to something else than the plan showed: nothing is written.
    const other = join(dir.path, 'other.bin');
    await randomFile(other, 2 ** 20, 'other');
    const changed = await api.startRestore({
      image,
      target: other,
      confirmName: 'other.bin',
      expect: { size: 4 * 2 ** 20 },
    });
    expect(await jobEnd(api, changed.jobId)).toMatchObject({
      type: 'error',
      error: {
        code: 'not-confirmed',
        message: expect.stringMatching(/not the drive you confirmed/),
      },
    });
    expect((await stat(other)).size).toBe(2 ** 20);
    const restore = await api.startRestore({
      image,
      target,
      confirmName: plan.target.name,
      expect: { size: plan.target.size },
    });
    expect(await jobEnd(api, restore.jobId)).toMatchObject({
      type: 'done',
      result: { kind: 'restore', checked: 'stored-frames', readBack: true },
    });
    await sh(`cmp ${q(source)} ${q(target)}`);

    const history = await api.listHistory({});
    expect(history.map((h) => [h.kind, h.outcome])).toEqual([
      ['backup', 'done'],
      ['verify', 'done'],
      ['restore', 'failed'],
      ['restore', 'failed'],
      ['restore', 'done'],
    ]);
    expect(history[0]).toMatchObject({ source, destination: image, size: 8 * 2 ** 20 });
    expect(history[0]!.ratio).toBeGreaterThan(0);
    expect(history[1]!.verified).toBe(true);
    expect(history[2]!.error).toMatchObject({ code: 'not-confirmed' });
    // It survives a restart: a new store over the same folder reads the same entries.
    expect(await openHistory(join(dir.path, 'data')).list()).toEqual(history);

    // The images: one, however many jobs used it, with its verify, and there.
    expect(await api.listImages({})).toEqual([
      expect.objectContaining({
        path: image,
        madeHere: true,
        source,
        verified: true,
        exists: true,
      }) as unknown,
    ]);

    // Deleting: only an image the history lists as made here, then every file of it.
    await expect(api.deleteImage({ image: source })).rejects.toMatchObject({
      info: { code: 'usage' },
    });
    expect(existsSync(source)).toBe(true);
    expect(await api.deleteImage({ image })).toEqual({ removed: [image] });
    expect(existsSync(image)).toBe(false);
    expect(await api.listImages({})).toMatchObject([{ path: image, exists: false }]);
  });

  it.skipIf(noLoopReason)(
    `plans a clone, refuses an unconfirmed one, and clones onto a larger drive (${noLoopReason ?? 'root'})`,
    async () => {
      const disk = await fixtureDisk({ sizeMiB: 160 });
      const file = join(dir.path, 'clone-target.bin');
      await writeFile(file, '');
      await truncate(file, 320 * 2 ** 20);
      const source = await attachLoop(disk, { readOnly: true, partitions: true });
      const target = await attachLoop(file, { partitions: true });
      try {
        const sourceHash = await sh(`sha256sum ${q(source.path)}`);
        // The source itself, and a file, are refused in the plan.
        const self = await api.planClone({ source: source.path, target: source.path });
        expect(self.refusals.map((r) => r.code)).toContain('destination-on-source');
        const onFile = await api.planClone({ source: source.path, target: file });
        expect(onFile.refusals[0]).toMatchObject({ code: 'usage' });

        // Onto a drive twice the size: ext4 (2) grows, the swap (3) moves to the end.
        const plan = await api.planClone({ source: source.path, target: target.path });
        expect(plan.refusals).toEqual([]);
        expect(plan.target.name).toBe(target.path.replace('/dev/', ''));
        expect(plan.source.partitionTable?.partitions.map((p) => p.index)).toEqual([1, 2, 3]);
        expect(plan.layout).toMatchObject({ kind: 'grow', grown: 2 });
        const placed = plan.layout?.kind === 'grow' ? plan.layout.partitions : [];
        expect(placed[2]!.newStart).toBeGreaterThan(placed[2]!.start);
        expect(placed[1]!.newSize).toBeGreaterThan(placed[1]!.size);
        expect(
          await api.planClone({ source: source.path, target: target.path, grow: 'none' }),
        ).toMatchObject({ layout: { kind: 'keep', why: 'no-grow' } });

        const refused = await api.startClone({
          source: source.path,
          target: target.path,
          confirmName: 'sdz',
        });
        expect(await jobEnd(api, refused.jobId)).toMatchObject({
          type: 'error',
          error: { code: 'not-confirmed' },
        });
        // Nothing was written: the target's first MiB is still zeros.
        expect((await sh(`head -c 1048576 ${q(target.path)} | tr -d '\\0' | wc -c`)).trim()).toBe(
          '0',
        );

        const cloned = await api.startClone({
          source: source.path,
          target: target.path,
          confirmName: plan.target.name,
          expect: { size: plan.target.size },
        });
        expect(await jobEnd(api, cloned.jobId)).toMatchObject({
          type: 'done',
          result: {
            kind: 'clone',
            readBack: true,
            layout: { grown: { partition: 2, tool: 'resize2fs' }, moved: [3] },
          },
        });
        expect(await sh(`sha256sum ${q(source.path)}`)).toBe(sourceHash);
        const clones = (await api.listHistory({})).filter((h) => h.kind === 'clone');
        expect(clones.map((h) => [h.outcome, h.source, h.destination])).toEqual([
          ['failed', source.path, target.path],
          ['done', source.path, target.path],
        ]);
        expect(clones[1]!.verified).toBe(true);
      } finally {
        await target.detach();
        await source.detach();
      }
    },
  );

  it('samples compression, checks a destination and lists a folder', async () => {
    const source = join(dir.path, 'half-zero.bin');
    // 4 MiB of random bytes then 4 MiB of zeros: about 2:1 at any zstd level.
    await randomFile(source, 4 * 2 ** 20, 'sample');
    await truncate(source, 8 * 2 ** 20);
    const fast = await api.sampleCompression({ source, codec: 'zstd', level: 1 });
    expect(fast.bytesToRead).toBe(8 * 2 ** 20);
    expect(fast.ratio).toBeGreaterThan(1.5);
    expect(fast.ratio).toBeLessThan(2.5);
    expect(fast.bytesPerSecond).toBeGreaterThan(0);
    expect(fast.expectedImage).toBeLessThan(6 * 2 ** 20);
    await expect(api.sampleCompression({ source, codec: 'zstd', level: 40 })).rejects.toMatchObject(
      { info: { code: 'usage' } },
    );

    const here = await api.checkDestination({ folder: dir.path });
    expect(here).toMatchObject({ usable: true, splitAt: null });
    expect(here.usable && here.free).toBeGreaterThan(0);
    expect(await api.checkDestination({ folder: join(dir.path, 'nope') })).toMatchObject({
      usable: false,
      problem: 'missing',
    });
    expect(await api.checkDestination({ folder: source })).toMatchObject({
      usable: false,
      problem: 'not-a-folder',
    });

    const listing = await api.listFolder({ path: dir.path });
    expect(listing.parent).not.toBeNull();
    expect(listing.entries).toContainEqual({
      name: 'half-zero.bin',
      kind: 'file',
      size: 8 * 2 ** 20,
    });
    await expect(api.listFolder({ path: source })).rejects.toMatchObject({
      info: { code: 'not-found' },
    });
  });
});

describe('plans per drive, and "Back up now"', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let backend: ApiBackend;
  let connection: ApiSession;
  let api: ApiClient;

  beforeAll(async () => {
    dir = await tempDir();
    backend = appBackend(join(dir.path, 'data'), lazyHelperRunner());
    connection = apiSession(backend);
    api = connection.api;
  });

  afterAll(async () => {
    // The session closes the runner; without one (connecting failed), the runner is closed here.
    await (connection ? connection.close() : backend?.runner.close());
    detachAll();
    await dir?.remove();
  });

  it('saves, lists, gets and deletes a plan; plans survive a restart', async () => {
    const drive = { serial: 'S6XNNS0T123', model: 'Samsung T7', size: 500e9 };
    const plan = {
      drive,
      destination: dir.path,
      codec: 'zstd' as const,
      level: 3,
      mode: 'used' as const,
      keep: 2,
      autoStart: false,
    };
    expect(await api.getPlan({ drive })).toBeNull();
    expect(await api.savePlan(plan)).toEqual(plan);
    expect(await api.getPlan({ drive })).toEqual(plan);
    expect(await appBackend(join(dir.path, 'data')).plans.list()).toEqual([plan]);
    // Another size is another drive.
    expect(await api.getPlan({ drive: { ...drive, size: 1e12 } })).toBeNull();
    expect(await api.deletePlan({ drive })).toEqual({ deleted: true });
    expect(await api.deletePlan({ drive })).toEqual({ deleted: false });
    expect(await api.listPlans({})).toEqual([]);
    await expect(api.savePlan({ ...plan, keep: 0 })).rejects.toMatchObject({
      info: { code: 'usage' },
    });
  });

  it.skipIf(noLoopReason)(
    `backs up a drive with its plan, from its last verified image when it can serve (${noLoopReason ?? 'root'})`,
    async () => {
      const file = join(dir.path, 'planned.bin');
      await randomFile(file, 8 * 2 ** 20, 'planned');
      const loop = await attachLoop(file);
      try {
        const listed = (await api.listDrives({ all: true })).find((d) => d.path === loop.path)!;
        expect(listed.identity).toEqual({
          serial: null,
          model: expect.stringContaining(file) as unknown,
          size: 8 * 2 ** 20,
        });
        await expect(api.backUpNow({ path: loop.path })).rejects.toMatchObject({
          info: { code: 'not-found' },
        });
        const folder = join(dir.path, 'plan-folder');
        await sh(`mkdir -p ${q(folder)}`);
        const plan = {
          drive: listed.identity,
          destination: folder,
          codec: 'zstd' as const,
          level: 3,
          mode: 'raw' as const,
          keep: null,
          autoStart: false,
        };
        await api.savePlan(plan);

        // The first: nothing to start from; the new image is verified.
        const first = await api.backUpNow({ path: loop.path });
        expect(first.base).toBeNull();
        expect(first.image.startsWith(folder + '/')).toBe(true);
        expect(await jobEnd(api, first.jobId)).toMatchObject({
          type: 'done',
          result: { kind: 'backup', image: first.image, planned: { verified: true, deleted: [] } },
        });
        expect(await api.listImages({})).toMatchObject([
          { path: first.image, verified: true, drive: listed.identity },
        ]);

        // The second starts from the first, and takes every frame from it (nothing changed).
        const second = await api.backUpNow({ path: loop.path });
        expect(second.base).toBe(first.image);
        const end = await jobEnd(api, second.jobId);
        expect(end).toMatchObject({
          type: 'done',
          result: {
            base: { image: first.image, framesReused: 2, framesDamaged: 0 },
            planned: { verified: true },
          },
        });
        expect(end?.type === 'done' && end.result.kind === 'backup' && end.result.base).toEqual({
          image: first.image,
          framesReused: 2,
          framesDamaged: 0,
        });
        await sh(`zstd -dc ${q(second.image)} | cmp - ${q(file)}`);

        // Another level: the engine refuses the base, says why, and compresses every frame.
        await api.savePlan({ ...plan, level: 5 });
        const third = await api.backUpNow({ path: loop.path });
        expect(third.base).toBe(second.image);
        const events = await jobEvents(api, third.jobId);
        expect(events.at(-1)).toMatchObject({
          type: 'done',
          result: {
            base: { refused: 'other-level', framesReused: 0 },
            planned: { verified: true },
          },
        });
        expect(events).toContainEqual(
          expect.objectContaining({
            type: 'warning',
            message: expect.stringMatching(/is not used: .*Every frame is compressed/) as unknown,
          }),
        );
        await sh(`zstd -dc ${q(third.image)} | cmp - ${q(file)}`);
      } finally {
        await loop.detach();
      }
    },
  );
  it.skipIf(noLoopReason)(
    `says before a planned backup when the folder may be too small, and what keeping N frees (${noLoopReason ?? 'root'})`,
    async () => {
      const file = join(dir.path, 'roomy.bin');
      await randomFile(file, 12 * 2 ** 20, 'roomy');
      const folder = join(dir.path, 'small-folder');
      await sh(`mkdir -p ${q(folder)}`);
      // 36 MiB, of which a backup leaves 16 MiB unused: room for one image of this 12 MiB
      // drive of random bytes, not two.
      await sh(`mount -t tmpfs -o size=36m tmpfs ${q(folder)}`);
      const loop = await attachLoop(file);
      try {
        const listed = (await api.listDrives({ all: true })).find((d) => d.path === loop.path)!;
        await api.savePlan({
          drive: listed.identity,
          destination: folder,
          codec: 'zstd',
          level: 1,
          mode: 'raw',
          keep: 1,
          autoStart: false,
        });
        const first = await api.backUpNow({ path: loop.path });
        const firstEvents = await jobEvents(api, first.jobId);
        expect(firstEvents.at(-1)).toMatchObject({ type: 'done' });
        expect(firstEvents.some((e) => e.type === 'warning')).toBe(false);

        // The note goes out as the job starts, before backUpNow answers: listen from before.
        const all: Array<[string, JobEvent]> = [];
        const stop = api.onJobEvent((id, event) => all.push([id, event]));
        const second = await api.backUpNow({ path: loop.path });
        await jobEnd(api, second.jobId);
        stop();
        const events = all.filter(([id]) => id === second.jobId).map(([, event]) => event);
        expect(events).toContainEqual(
          expect.objectContaining({
            type: 'warning',
            message: expect.stringMatching(
              /has 24\.\d+ MiB free, of which a backup leaves 16\.0 MiB unused, and this drive's last image took 12\.\d+ MiB: the new one may not fit\. Once it is made and verified, deleting this drive's oldest images there frees 12\.\d+ MiB\./,
            ) as unknown,
          }),
        );
        // However the second ended, the first is still there unless the second verified.
        const end = events.at(-1);
        const verified =
          end?.type === 'done' && end.result.kind === 'backup' && end.result.planned?.verified;
        expect(existsSync(first.image)).toBe(!verified);
      } finally {
        await loop.detach();
        await sh(`umount ${q(folder)}`);
      }
    },
  );
});
