// postinstall: fetch the Electron binary now, so the desktop app starts without a download.
// Where it cannot be downloaded (an offline machine, a CI box), say so and succeed anyway:
// the CLI, the browser UI (`spillway ui`) and every test work without it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let installer;
try {
  installer = require.resolve('electron/install.js');
} catch {
  process.exit(0); // production install without dev dependencies: nothing to fetch
}
const result = spawnSync(process.execPath, [installer], { stdio: 'pipe', timeout: 600_000 });
if (result.status === 0) {
  console.log('spillway: Electron binary ready.');
} else {
  console.log(
    'spillway: the Electron binary could not be downloaded here; the desktop app is ' +
      'unavailable, everything else (CLI, browser UI, tests) works. `npm start` falls back ' +
      'to browser mode.',
  );
}
