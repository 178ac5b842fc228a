// `npm start`: the desktop app where the Electron binary is installed, browser mode
// (`spillway ui`) otherwise, saying so. Runs after `npm run build`.

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { electronBinary } = await import(join(root, 'build/src-main/app/electron-binary.js'));
const binary = electronBinary(root);

let child;
if (binary) {
  const args = [root, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
  child = spawn(binary, args, { stdio: 'inherit' });
} else {
  process.stderr.write(
    'spillway: the Electron binary is not installed here, so the desktop app cannot start; ' +
      'starting browser mode (spillway ui) instead.\n',
  );
  child = spawn(process.execPath, [join(root, 'bin/spillway'), 'ui', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 1));
