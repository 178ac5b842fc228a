// Failing drives for tests, served through FUSE with real EIO and attached as loop devices:
// - faultyDrive: ../shared/fixtures/faulty-file.py, read-only, EIO on chosen byte ranges (or
//   on every read after N bytes: an unplugged drive). A source that cannot be read.
// - unreadableTarget: ./unreadable-target.py, read-write, EIO when chosen ranges are read. A
//   target that takes a restore but cannot read it back.
// Torn down in order: loop device, FUSE mount, the server process.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAULTY_FILE } from './fixtures.js';
import { attachLoop } from './loop-devices.js';
import { REPO_ROOT } from './paths.js';
import { shStatus, q } from './shell.js';

const UNREADABLE_TARGET = join(REPO_ROOT, 'src-main', 'test-support', 'unreadable-target.py');

export interface FaultyDrive {
  path: string;
  stop(): Promise<void>;
}

const rangesArg = (ranges: Array<[number, number]>) =>
  ranges.map(([a, b]) => `${a}:${b}`).join(',');

/** Runs a FUSE server that serves BACKING as MOUNTDIR/disk, and attaches that as a loop. */
async function servedDrive(
  script: string,
  backing: string,
  args: string[],
  readOnly: boolean,
): Promise<FaultyDrive> {
  const mountDir = await mkdtemp(join(tmpdir(), 'spillway-faulty-'));
  // Run by its own #! line: Debian's python3 has fusepy, other pythons on PATH may not.
  const server = spawn(script, [backing, mountDir, ...args], { stdio: 'ignore' });
  const stopServer = async () => {
    await shStatus(`fusermount3 -u ${q(mountDir)}`);
    server.kill();
    await rm(mountDir, { recursive: true, force: true });
  };
  for (let i = 0; !existsSync(join(mountDir, 'disk')); i++) {
    if (i > 100 || server.exitCode !== null) {
      await stopServer();
      throw new Error(`${script} did not start (python3-fusepy and fuse3 installed?)`);
    }
    await sleep(50);
  }
  const loop = await attachLoop(join(mountDir, 'disk'), { readOnly });
  return {
    path: loop.path,
    stop: async () => {
      await loop.detach();
      await stopServer();
    },
  };
}

export function faultyDrive(
  backing: string,
  options: { bad?: Array<[number, number]>; vanishAfter?: number },
): Promise<FaultyDrive> {
  const args: string[] = [];
  if (options.bad?.length) args.push('--bad', rangesArg(options.bad));
  if (options.vanishAfter !== undefined) args.push('--vanish-after', String(options.vanishAfter));
  return servedDrive(FAULTY_FILE, backing, args, true);
}

export function unreadableTarget(
  backing: string,
  bad: Array<[number, number]>,
): Promise<FaultyDrive> {
  return servedDrive(UNREADABLE_TARGET, backing, ['--bad', rangesArg(bad)], false);
}
