// The app's backend over a data folder with the real privileged helper, started as the app
// starts it but with its stdin (the one-time secret) copied to a file on the way, so a test
// knows what crossed it; and the helper's host, for its pid.

import { HelperHost } from '../helper/helper-host.js';
import { helperScriptPath } from '../helper/start-helper.js';
import { appBackend, lazyHelperRunner } from '../api/app-backend.js';
import type { ApiBackend } from '../api/api-handler.js';

export function watchedHelperBackend(
  dataDir: string,
  stdinCopy: string,
): { backend: ApiBackend; host(): HelperHost | null } {
  let host: HelperHost | null = null;
  const backend = appBackend(dataDir, (log) =>
    lazyHelperRunner(async () => {
      host = await HelperHost.start({
        log,
        command: (socket) => ({
          file: 'bash',
          args: [
            '-c',
            'tee "$1" | exec "$2" "$3" "$4"',
            'helper',
            stdinCopy,
            process.execPath,
            helperScriptPath(),
            socket,
          ],
        }),
      });
      return host;
    }),
  );
  return { backend, host: () => host };
}
