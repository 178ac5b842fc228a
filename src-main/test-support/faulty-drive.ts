// A failing drive for tests: ../shared/fixtures/faulty-file.py serves a disk image through
// FUSE with real EIO on chosen byte ranges (or on every read after N bytes: an unplugged
// drive), attached read-only as a loop device. Torn down in order: loop device, FUSE mount,
// the server process.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAULTY_FILE } from './fixtures.js';
import { attachLoop } from './loop-devices.js';
import { shStatus, q } from './shell.js';

export interface FaultyDrive {
  path: string;
  stop(): Promise<void>;
}

export async function faultyDrive(
  backing: string,
  options: { bad?: Array<[number, number]>; vanishAfter?: number },
): Promise<FaultyDrive> {
  const mountDir = await mkdtemp(join(tmpdir(), 'spillway-faulty-'));
  const args = [backing, mountDir];
  if (options.bad?.length) args.push('--bad', options.bad.map(([a, b]) => `${a}:${b}`).join(','));
  if (options.vanishAfter !== undefined) args.push('--vanish-after', String(options.vanishAfter));
  // Run by its own #! line: Debian's python3 has fusepy, other pythons on PATH may not.
  const server = spawn(FAULTY_FILE, args, { stdio: 'ignore' });
  const stopServer = async () => {
    await shStatus(`fusermount3 -u ${q(mountDir)}`);
    server.kill();
    await rm(mountDir, { recursive: true, force: true });
  };
  for (let i = 0; !existsSync(join(mountDir, 'disk')); i++) {
    if (i > 100 || server.exitCode !== null) {
      await stopServer();
      throw new Error('faulty-file.py did not start (python3-fusepy and fuse3 installed?)');
    }
    await sleep(50);
  }
  const loop = await attachLoop(join(mountDir, 'disk'), { readOnly: true });
  return {
    path: loop.path,
    stop: async () => {
      await loop.detach();
      await stopServer();
    },
  };
}
