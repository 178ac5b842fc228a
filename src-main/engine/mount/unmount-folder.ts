// `spillway unmount DIR`: asks the process serving the mount to undo it and waits until it
// has; if that process is gone (killed, crashed), undoes it here from the state file.

import { resolve } from 'node:path';
import { SpillwayError } from '../errors.js';
import { readMountState, undo } from './mount-image.js';
import { processRuns } from './system-mounts.js';

const WAIT_MS = 30_000;

export async function unmountFolder(dirGiven: string): Promise<{ image: string }> {
  const dir = resolve(dirGiven);
  const state = await readMountState(dir);
  if (!state) throw new SpillwayError('not-found', `Nothing Spillway mounted is at ${dir}.`);
  // The serving process is known by its pid and the image on its command line.
  const serving = () => processRuns(state.pid, state.image);
  if (state.pid !== process.pid && (await serving())) {
    process.kill(state.pid, 'SIGTERM');
    const until = Date.now() + WAIT_MS;
    while (Date.now() < until && ((await serving()) || (await readMountState(dir)) !== null)) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Whatever the serving process left (or all of it, when it was gone).
  const left = await readMountState(dir);
  if (left) await undo(dir, left);
  return { image: state.image };
}
