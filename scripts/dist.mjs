// `npm run dist` (after the build): electron-builder with electron-builder.yml and whatever
// arguments follow `npm run dist --` (e.g. `--dir`). electron-builder takes the Electron
// binary from its download cache, downloading it if needed; ELECTRON_DIST=<folder> gives it
// an Electron build already on this machine instead (its `electronDist`), so an offline
// machine packages without a download. Packaging only copies that folder.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = createRequire(import.meta.url).resolve('electron-builder/cli.js');
const electronDist = process.env.ELECTRON_DIST;
const args = [
  cli,
  '--config',
  'electron-builder.yml',
  ...(electronDist ? [`-c.electronDist=${resolve(electronDist)}`] : []),
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
