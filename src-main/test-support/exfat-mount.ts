// An exFAT image mounted through FUSE (mount.exfat-fuse: this kernel has no exFAT driver). It
// needs a block device, so the image goes behind a loop device of its own. The driver runs in
// the foreground (-d) so that unmounting can wait for it to exit: only then has it written
// everything back and cleared the volume's dirty flag.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachLoop } from './loop-devices.js';
import { isRoot } from './root.js';
import { q, shStatus } from './shell.js';

const DRIVER = '/usr/sbin/mount.exfat-fuse';

export const noExfatFuseReason: string | null = !isRoot
  ? 'needs root: loop devices and FUSE mounts'
  : !existsSync('/dev/loop-control')
    ? 'needs loop devices (/dev/loop-control is missing)'
    : !existsSync('/dev/fuse')
      ? 'needs FUSE (/dev/fuse is missing)'
      : !existsSync(DRIVER)
        ? 'needs exfat-fuse (mount.exfat-fuse)'
        : null;

export interface ExfatMount {
  unmount(): Promise<void>;
}

const mounted = async (dir: string) =>
  (await readFile('/proc/mounts', 'utf8')).split('\n').some((l) => l.split(' ')[1] === dir);

/** Mounts the exFAT image `file` on the existing directory `dir`. */
export async function mountExfat(
  file: string,
  dir: string,
  options: { readOnly?: boolean } = {},
): Promise<ExfatMount> {
  const loop = await attachLoop(file, { readOnly: options.readOnly });
  const args = ['-d', ...(options.readOnly ? ['-o', 'ro'] : []), loop.path, dir];
  const driver = spawn(DRIVER, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => driver.once('exit', () => resolve()));
  const unmount = async () => {
    if (await mounted(dir)) await shStatus(`umount ${q(dir)}`);
    if (driver.exitCode === null && driver.signalCode === null) {
      const late = setTimeout(() => driver.kill(), 10_000);
      await exited;
      clearTimeout(late);
    }
    await loop.detach();
  };
  for (let i = 0; !(await mounted(dir)); i++) {
    if (i > 100 || driver.exitCode !== null) {
      await unmount();
      throw new Error(`mount.exfat-fuse did not mount ${file}`);
    }
    await sleep(50);
  }
  return { unmount };
}
