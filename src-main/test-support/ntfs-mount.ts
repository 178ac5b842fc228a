// NTFS image files mounted through ntfs-3g (FUSE) for tests. ntfs-3g runs in the foreground
// (no_detach) as our child, so unmounting waits until it has written everything back and
// exited, not just until the mount point is gone.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from './root.js';
import { q, shStatus } from './shell.js';

export const noNtfsReason: string | null = !isRoot
  ? 'needs root: mounts NTFS images through FUSE'
  : !existsSync('/dev/fuse')
    ? 'needs FUSE (/dev/fuse is missing)'
    : !existsSync('/usr/bin/ntfs-3g') || !existsSync('/usr/sbin/mkntfs')
      ? 'needs ntfs-3g and ntfsprogs (mkntfs)'
      : null;

export interface NtfsMount {
  /** The mount's options as the kernel lists them: "ro" when ntfs-3g fell back to it. */
  options: string[];
  unmount(): Promise<void>;
}

/** The options of the mount on `dir`, or null when nothing is mounted there. */
async function mountOptions(dir: string): Promise<string[] | null> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  const line = mounts.split('\n').find((l) => l.split(' ')[1] === dir);
  return line ? line.split(' ')[3]!.split(',') : null;
}

/** Mounts `image` on the (empty, existing) directory `dir`; `extra`: more ntfs-3g options. */
export async function mountNtfs(
  image: string,
  dir: string,
  { readOnly = false, extra = [] }: { readOnly?: boolean; extra?: string[] } = {},
): Promise<NtfsMount> {
  const opts = ['no_detach', readOnly ? 'ro' : 'rw', ...extra].join(',');
  const child = spawn('ntfs-3g', ['-o', opts, image, dir], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let gone = false;
  void exited.then(() => (gone = true));
  let options: string[] | null;
  for (let i = 0; !(options = await mountOptions(dir)); i++) {
    if (gone || i > 200) {
      child.kill();
      throw new Error(`ntfs-3g did not mount ${image}`);
    }
    await sleep(25);
  }
  return {
    options,
    async unmount() {
      if (gone) return;
      await shStatus(`umount ${q(dir)}`);
      const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        child.kill();
        throw new Error(`ntfs-3g did not exit after unmounting ${dir}`);
      }
    },
  };
}
