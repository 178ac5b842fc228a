// The app as users get it: packaged by `npm run dist` (electron-builder.yml through
// scripts/dist.mjs, Linux, --dir) over a stand-in Electron folder, then opened with the asar
// package's own reader. Every import of every entry the app starts is followed in what was
// packaged, where Electron and Node will look: the main process, the window's preload and
// page inside the archive; the privileged helper and the worker threads in app.asar.unpacked,
// where they run as plain Node. A missing file fails and names the import. As root, the
// packaged helper is started as pkexec starts it and backs up and restores a loop device.

import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src-shared/protocol/events.js';
import type { RestorePlan } from '../../src-shared/protocol/plans.js';
import { helperCommand } from '../helper/elevation.js';
import { HelperHost } from '../helper/helper-host.js';
import type { JobRequest } from '../jobs/job-requests.js';
import { fixtureDisk } from '../test-support/fixtures.js';
import { attachLoop, detachAll } from '../test-support/loop-devices.js';
import { packageApp, type PackagedApp } from '../test-support/packaged-app.js';
import {
  ArchiveTree,
  checkPreload,
  DiskTree,
  followImports,
  followPage,
  packedAddons,
  workerEntries,
  type Closure,
} from '../test-support/packaged-imports.js';
import { REPO_ROOT } from '../test-support/paths.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';
import { windowFiles } from './window-files.js';

describe('the packaged app (npm run dist, Linux, --dir)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: PackagedApp;
  let archive: ArchiveTree;
  let unpacked: DiskTree;
  /** The project itself: optional packages installed here must be packaged too. */
  const project = new DiskTree('the project', REPO_ROOT);
  let mainEntry: string;
  let main: Closure;
  /** The script the helper's launcher runs, relative to app.asar.unpacked. */
  let helperScript: string;

  beforeAll(async () => {
    dir = await tempDir('spillway-package-');
    app = await packageApp(dir.path);
    console.log(`packaged in ${(app.packMs / 1000).toFixed(1)} s`);
    archive = new ArchiveTree(app.archive);
    unpacked = new DiskTree('app.asar.unpacked', app.unpacked);
    mainEntry = (JSON.parse(archive.read('package.json')) as { main: string }).main;
    main = followImports(archive, [mainEntry], 'electron-main', project);
    const launcher = readFileSync(join(app.resources, 'spillway-helper'), 'utf8');
    helperScript = /app\.asar\.unpacked\/(\S+?\.js)/.exec(launcher)?.[1] ?? 'none named';
  }, 600_000);

  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  it('holds the main process and everything it imports', () => {
    expect(main.problems).toEqual([]);
    // The walk did follow the app: the API, the engine, the packages it names.
    expect(main.files.length).toBeGreaterThan(50);
    expect(main.packages).toEqual(
      expect.arrayContaining(['node_modules/zod', 'node_modules/drivelist']),
    );
  });

  it('holds the window’s preload and page, and everything the page loads', () => {
    const files = windowFiles(posix.dirname(mainEntry));
    expect(checkPreload(archive, files.preload)).toEqual([]);
    const page = followPage(archive, files.page);
    expect(page.problems).toEqual([]);
    expect(page.files.filter((f) => f.endsWith('.js')).length).toBeGreaterThanOrEqual(1);
    expect(page.files.filter((f) => f.endsWith('.css')).length).toBeGreaterThanOrEqual(1);
  });

  it('unpacks the helper the launcher runs, with everything it imports', () => {
    // start-helper.ts finds it the same way: helper-main.js next to itself, out of the archive.
    expect(helperScript).toBe(
      posix.join(
        posix.dirname(main.files.find((f) => f.endsWith('/start-helper.js'))!),
        'helper-main.js',
      ),
    );
    const helper = followImports(unpacked, [helperScript], 'node', project);
    expect(helper.problems).toEqual([]);
    expect(helper.files.length).toBeGreaterThan(50);
  });

  it('unpacks every worker thread with everything it imports', () => {
    const helper = followImports(unpacked, [helperScript], 'node', project);
    const workers = [
      ...new Set([...workerEntries(archive, main.files), ...workerEntries(unpacked, helper.files)]),
    ];
    expect(workers.map((w) => basename(w, '.js'))).toEqual(
      expect.arrayContaining(['codec-worker', 'digest-worker']),
    );
    const threads = followImports(unpacked, workers, 'node', project);
    expect(threads.problems).toEqual([]);
    // The codecs' native packages came along.
    expect(threads.packages).toEqual(
      expect.arrayContaining(['node_modules/zstd-napi', 'node_modules/@node-rs/xxhash']),
    );
  });

  it('keeps native addons as real files, and every unpacked file on disk', () => {
    expect(packedAddons(archive)).toEqual([]);
    const missing = [...archive.files]
      .filter(([path, file]) => file.unpacked && !archive.isFile(path))
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it('ships the helper’s launcher next to the app’s executable', () => {
    const launcher = join(app.resources, 'spillway-helper');
    expect(statSync(launcher).mode & 0o111).not.toBe(0);
    expect(readFileSync(launcher, 'utf8')).toContain('"$resources/../spillway"');
    expect(statSync(join(app.appDir, 'spillway')).mode & 0o111).not.toBe(0);
  });

  describe.skipIf(noLoopReason)(
    `its helper, started as pkexec starts it (${noLoopReason ?? 'root'})`,
    () => {
      /** Runs a job through the helper and resolves with its last event. */
      const run = (host: HelperHost, id: string, job: JobRequest) =>
        new Promise<JobEvent>((resolve, reject) => {
          host
            .start(id, job, (event) => {
              if (event.type === 'done' || event.type === 'error') resolve(event);
            })
            .catch(reject);
        });

      it('backs up a loop device and restores it onto another, byte for byte', async () => {
        const disk = await fixtureDisk({ sizeMiB: 160 });
        const source = await attachLoop(disk, { readOnly: true });
        const blank = join(dir.path, 'target.bin');
        await sh(`truncate -s ${statSync(disk).size} ${q(blank)}`);
        const target = await attachLoop(blank);
        const out = join(dir.path, 'images');
        await mkdir(out);
        // What pkexec runs once the password is given: the launcher the polkit action names,
        // which starts the app's binary as Node (here the stand-in) on the unpacked helper.
        // pkexec itself cannot run here (no polkit agent, no system bus).
        const host = await HelperHost.start({
          command: (socketPath) => {
            const elevated = helperCommand(
              {
                platform: 'linux',
                isRoot: false,
                runtime: join(app.appDir, 'spillway'),
                script: join(app.unpacked, helperScript),
                electron: true,
                linuxLauncher: join(app.resources, 'spillway-helper'),
              },
              socketPath,
            );
            expect(elevated.file).toBe('pkexec');
            return { file: elevated.args[0]!, args: elevated.args.slice(1) };
          },
        });
        try {
          // The helper that answered is the packaged one.
          const cmdline = readFileSync(`/proc/${host.pid}/cmdline`, 'utf8').split('\0');
          expect(cmdline).toContain(join(app.unpacked, helperScript));

          const image = join(out, 'disk.img.zst');
          const backup = await run(host, 'backup', {
            kind: 'backup',
            params: { source: source.path, destination: image, mode: 'raw' },
          });
          expect(backup).toMatchObject({ type: 'done', result: { kind: 'backup', image } });
          expect(await readdir(out)).toEqual(['disk.img.zst']);
          // The engine found package.json from app.asar.unpacked: the image names its version.
          const info = (await host.ask({ method: 'inspectImage', params: { image } })) as {
            manifest: { tool: { version: string } };
          };
          const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
            version: string;
          };
          expect(info.manifest.tool.version).toBe(version);

          const plan = (await host.ask({
            method: 'planRestore',
            params: { image, target: target.path },
          })) as RestorePlan;
          expect(plan.refusals).toEqual([]);
          const restore = await run(host, 'restore', {
            kind: 'restore',
            params: {
              image,
              target: target.path,
              confirmName: plan.target.name,
              expect: { size: plan.target.size },
            },
          });
          expect(restore).toMatchObject({
            type: 'done',
            result: { kind: 'restore', readBack: true },
          });
          await sh(`cmp ${q(source.path)} ${q(target.path)}`);
          await sh(`zstd -dc ${q(image)} | cmp - ${q(source.path)}`);
        } finally {
          await host.close();
          await target.detach();
          await source.detach();
        }
      });
    },
  );
});
