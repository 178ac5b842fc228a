// The app packaged as `npm run dist -- --dir --linux` packages it (scripts/dist.mjs, the real
// electron-builder.yml), into a folder of the test's, over a stand-in for the Electron binary:
// it cannot be downloaded here, and packaging only copies the Electron folder (all
// electron-builder needs of it on Linux is the `electron` executable, which it renames to the
// app's). The stand-in does what the real binary does with ELECTRON_RUN_AS_NODE=1 (run a
// script with Node), so the packaged helper's launcher works through it; without that
// variable it says what it is and fails.

import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface PackagedApp {
  /** The unpacked app: the executable, resources/. */
  appDir: string;
  /** resources/: app.asar, app.asar.unpacked/, spillway-helper. */
  resources: string;
  archive: string;
  unpacked: string;
  /** How long electron-builder took, in ms. */
  packMs: number;
}

async function standInElectron(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const script =
    '#!/bin/sh\n' +
    '# A stand-in for the Electron binary (tests): like Electron with ELECTRON_RUN_AS_NODE=1\n' +
    '# it runs its arguments with Node; it has no window to open.\n' +
    'if [ "${ELECTRON_RUN_AS_NODE:-}" = 1 ]; then\n' +
    `  exec '${process.execPath.replaceAll("'", `'\\''`)}' "$@"\n` +
    'fi\n' +
    'echo "stand-in for Electron: no window here" >&2\n' +
    'exit 1\n';
  await writeFile(join(dir, 'electron'), script);
  await chmod(join(dir, 'electron'), 0o755);
}

/**
 * Packages the built app (`npm run build` must have run) into `outDir`. The native modules
 * are not rebuilt for Electron (npmRebuild false): that recompiles them in node_modules in
 * place, minutes of CPU and files other tests load, and changes no file's name or place.
 */
export async function packageApp(outDir: string): Promise<PackagedApp> {
  const electronDist = join(outDir, 'electron-stand-in');
  await standInElectron(electronDist);
  const started = performance.now();
  await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'scripts', 'dist.mjs'),
        '--dir',
        '--linux',
        `-c.directories.output=${join(outDir, 'dist')}`,
        '-c.npmRebuild=false',
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ELECTRON_DIST: electronDist },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`npm run dist failed (${code}):\n${text}`)),
    );
  });
  const appDir = join(outDir, 'dist', 'linux-unpacked');
  const resources = join(appDir, 'resources');
  return {
    appDir,
    resources,
    archive: join(resources, 'app.asar'),
    unpacked: join(resources, 'app.asar.unpacked'),
    packMs: performance.now() - started,
  };
}
