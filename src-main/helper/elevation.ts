// How the helper is started with the rights it needs, and nothing more: as it is when this
// process is already root; through pkexec and the polkit action the deb installs on Linux
// (one prompt per app session: the helper lives as long as the app). This layer stays thin
// because it cannot be exercised without a desktop session; everything past the spawn is the
// same for every way of starting.

import { SpillwayError } from '../engine/errors.js';

export interface HelperCommand {
  file: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ElevationFacts {
  platform: NodeJS.Platform;
  isRoot: boolean;
  /** The Node (or Electron-as-Node) binary and the helper's script. */
  runtime: string;
  script: string;
  /** Set when running inside Electron: its binary then acts as Node. */
  electron: boolean;
  /** The installed launcher the polkit action names (packaged Linux app), if any. */
  linuxLauncher?: string;
}

/** The polkit action id; assets/linux/org.spillway.helper.policy declares it. */
export const POLKIT_ACTION = 'org.spillway.helper';

export function helperCommand(facts: ElevationFacts, socketPath: string): HelperCommand {
  const env = facts.electron ? { ELECTRON_RUN_AS_NODE: '1' } : undefined;
  if (facts.isRoot) {
    return { file: facts.runtime, args: [facts.script, socketPath], ...(env ? { env } : {}) };
  }
  if (facts.platform === 'linux') {
    // pkexec clears the environment and runs only the program the action names: the
    // launcher sets ELECTRON_RUN_AS_NODE itself and starts the helper script.
    if (facts.linuxLauncher) return { file: 'pkexec', args: [facts.linuxLauncher, socketPath] };
    return { file: 'pkexec', args: [facts.runtime, facts.script, socketPath] };
  }
  throw new SpillwayError(
    'permission-denied',
    'Reading and writing whole drives needs administrator rights.',
    // This system's own password prompt is not supported yet.
    { remedy: 'run-as-admin' },
  );
}
