// After a new partition table is written to a drive: the kernel is told (re-read the whole
// table, or, where it refuses as for loop devices attached without partition scanning,
// partx updates and adds them one by one), and each partition's node is found once the
// kernel shows it where the table puts it.

import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { SpillwayError } from '../errors.js';

const run = promisify(execFile);

async function sysNumber(path: string): Promise<number | null> {
  try {
    return Number((await readFile(path, 'utf8')).trim());
  } catch {
    return null;
  }
}

/** "/dev/loop3" and 2 → "loop3p2"; "/dev/sdb" and 2 → "sdb2". */
export function partitionName(disk: string, index: number): string {
  const name = basename(disk);
  return /\d$/.test(name) ? `${name}p${index}` : `${name}${index}`;
}

export async function rereadPartitions(disk: string): Promise<void> {
  // Each may refuse or do nothing (a loop device refuses the first, or accepts it and shows
  // no partitions; partx -a fails for partitions already known, partx -u for new ones): what
  // counts is what the kernel shows afterwards, which partitionNode checks.
  await run('blockdev', ['--rereadpt', disk]).catch(() => {});
  await run('partx', ['-u', disk]).catch(() => {});
  await run('partx', ['-a', disk]).catch(() => {});
}

/**
 * The node of partition `index` of `disk` once the kernel shows it at [start, start + size)
 * (bytes); throws when it does not within a few seconds.
 */
export async function partitionNode(
  disk: string,
  index: number,
  start: number,
  size: number,
): Promise<string> {
  const name = partitionName(disk, index);
  const dir = `/sys/class/block/${basename(disk)}/${name}`;
  for (let tries = 0; tries < 50; tries++) {
    const [s, n] = await Promise.all([sysNumber(`${dir}/start`), sysNumber(`${dir}/size`)]);
    // sysfs counts 512-byte sectors whatever the drive's sector size.
    if (s === start / 512 && n === size / 512) {
      const node = await stat(`/dev/${name}`).catch(() => null);
      if (node?.isBlockDevice()) return `/dev/${name}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The kernel may have read the table while the drive was still settling: ask again.
    if (tries % 10 === 9) await rereadPartitions(disk);
  }
  throw new SpillwayError(
    'write-error',
    `The system does not show partition ${index} of ${disk} where the new table puts it.`,
  );
}
