// Failing drives for tests: ./faulty-drive.py serves a file through FUSE with real EIO, and
// the served file is attached as a loop device, so the kernel reports the errors a failing
// drive would.
// - faultyDrive: read-only, EIO on chosen byte ranges, or on every read after N bytes (an
//   unplugged drive). A source that cannot be read.
// - unreadableTarget: read-write, EIO when chosen ranges are read. A target that takes a
//   restore but cannot read it back.
// Torn down in order: loop device, FUSE mount, the server process.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachLoop } from './loop-devices.js';
import { REPO_ROOT } from './paths.js';
import { shStatus, q } from './shell.js';

const SERVER = join(REPO_ROOT, 'src-main', 'test-support', 'faulty-drive.py');

export interface FaultyDrive {
  path: string;
  stop(): Promise<void>;
}

interface Faults {
  /** Byte ranges [start, end) whose reads fail. */
  bad?: Array<[number, number]>;
  /** Every read (and write) fails once this many bytes have been read. */
  vanishAfter?: number;
  /** Writes are taken; without it the drive is read-only. */
  writable?: boolean;
}

function serverArgs(faults: Faults): string[] {
  const args: string[] = [];
  if (faults.bad?.length) args.push('--bad', faults.bad.map(([a, b]) => `${a}:${b}`).join(','));
  if (faults.vanishAfter !== undefined) args.push('--vanish-after', String(faults.vanishAfter));
  if (faults.writable) args.push('--writable');
  return args;
}

/** Runs the FUSE server that serves BACKING as MOUNTDIR/disk, and attaches that as a loop. */
async function servedDrive(backing: string, faults: Faults): Promise<FaultyDrive> {
  const mountDir = await mkdtemp(join(tmpdir(), 'spillway-faulty-'));
  // Run by its own #! line: Debian's python3 has fusepy, other pythons on PATH may not.
  const server = spawn(SERVER, [backing, mountDir, ...serverArgs(faults)], { stdio: 'ignore' });
  const stopServer = async () => {
    await shStatus(`fusermount3 -u ${q(mountDir)}`);
    server.kill();
    await rm(mountDir, { recursive: true, force: true });
  };
  for (let i = 0; !existsSync(join(mountDir, 'disk')); i++) {
    if (i > 100 || server.exitCode !== null) {
      await stopServer();
      throw new Error(`${SERVER} did not start (python3-fusepy and fuse3 installed?)`);
    }
    await sleep(50);
  }
  const loop = await attachLoop(join(mountDir, 'disk'), { readOnly: !faults.writable });
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
  faults: { bad?: Array<[number, number]>; vanishAfter?: number },
): Promise<FaultyDrive> {
  return servedDrive(backing, faults);
}

export function unreadableTarget(
  backing: string,
  bad: Array<[number, number]>,
): Promise<FaultyDrive> {
  return servedDrive(backing, { bad, writable: true });
}
