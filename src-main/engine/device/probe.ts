// Is a drive still answering? After a read error, one direct (uncached) read of a place that
// read fine moments ago tells a failing sector from a drive that is gone: the page cache
// would answer for a vanished device, so the probe bypasses it (dd iflag=direct; Node cannot
// make the aligned buffers O_DIRECT needs).

import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { sysfsDir } from './block-device.js';

const run = promisify(execFile);
const PAGE = 4096;

export async function deviceAnswers(input: {
  path: string;
  devnum: string | null;
  /** A byte offset that was read successfully before. */
  knownGood: number;
}): Promise<boolean> {
  if (input.devnum && !(await sysfsDir(input.devnum))) return false;
  try {
    await access(input.path);
  } catch {
    return false;
  }
  try {
    await run(
      'dd',
      [
        `if=${input.path}`,
        'of=/dev/null',
        `bs=${PAGE}`,
        'count=1',
        `skip=${Math.floor(input.knownGood / PAGE)}`,
        'iflag=direct',
        'status=none',
      ],
      { timeout: 10_000 },
    );
    return true;
  } catch {
    return false;
  }
}
