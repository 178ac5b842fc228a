// Starting the helper of this installation: its script next to this module (or in build/
// when running from sources, as the tests do) and the elevation this process needs.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helperCommand } from './elevation.js';
import { HelperHost } from './helper-host.js';
import type { Logger } from '../log/logger.js';

export function helperScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'helper-main.js');
  return join(dirname(here), '..', '..', 'build', 'src-main', 'helper', 'helper-main.js');
}

export function startHelper(
  options: { linuxLauncher?: string; log?: Logger } = {},
): Promise<HelperHost> {
  const script = helperScriptPath();
  return HelperHost.start({
    ...(options.log ? { log: options.log } : {}),
    command: (socketPath) =>
      helperCommand(
        {
          platform: process.platform,
          isRoot: process.getuid?.() === 0,
          runtime: process.execPath,
          script: script.replace('app.asar', 'app.asar.unpacked'),
          electron: process.versions.electron !== undefined,
          ...(options.linuxLauncher && existsSync(options.linuxLauncher)
            ? { linuxLauncher: options.linuxLauncher }
            : {}),
        },
        socketPath,
      ),
  });
}
