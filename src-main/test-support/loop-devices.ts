// Loop devices for tests: attached over files the test made, and detached by name, exactly
// those, whatever happens (afterEach/afterAll, and a last resort at process exit).

import { execFileSync } from 'node:child_process';
import { sh, q } from './shell.js';

const attached = new Set<string>();

export interface LoopDevice {
  path: string;
  detach(): Promise<void>;
}

function detachSync(path: string): void {
  try {
    execFileSync('partx', ['-d', path], { stdio: 'ignore' });
  } catch {
    // no partitions were added
  }
  try {
    execFileSync('losetup', ['-d', path], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  attached.delete(path);
}

process.on('exit', () => {
  for (const path of [...attached]) detachSync(path);
});

/**
 * Attaches `file` as a new loop device. `partitions` adds the partition nodes (this kernel
 * does not scan loop devices' partition tables by itself). `offset` and `sizeLimit` (bytes)
 * attach only that region of the file, e.g. one partition of a disk image.
 */
export async function attachLoop(
  file: string,
  options: { readOnly?: boolean; partitions?: boolean; offset?: number; sizeLimit?: number } = {},
): Promise<LoopDevice> {
  const flags = [
    options.readOnly ? '-r' : '',
    options.partitions ? '-P' : '',
    options.offset !== undefined ? `-o ${options.offset}` : '',
    options.sizeLimit !== undefined ? `--sizelimit ${options.sizeLimit}` : '',
  ].join(' ');
  const path = (await sh(`losetup -f --show ${flags} ${q(file)}`)).trim();
  attached.add(path);
  if (options.partitions) await sh(`partx -a ${q(path)} 2>/dev/null || true`);
  return {
    path,
    detach: async () => {
      if (attached.has(path)) detachSync(path);
    },
  };
}

/** Detaches every loop device this test process attached and has not detached yet. */
export function detachAll(): void {
  for (const path of [...attached]) detachSync(path);
}
