// Disk images holding ext4 filesystems filled from a folder, made without root or loop
// devices: sfdisk writes the partition table into the file, and mkfs.ext4 makes each
// filesystem in place (-E offset) and copies the folder in (-d). The image stays sparse, so a
// 4 GiB disk takes a few MiB and a fraction of a second.

import { q, sh } from './shell.js';

const MIB = 2 ** 20;
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

export interface ExtPartition {
  sizeMiB: number;
  /** The folder whose tree is copied in. */
  files: string;
  label?: string;
  /** More mkfs.ext4 options (e.g. "-b 1024"). */
  mkfs?: string;
}

/**
 * A GPT disk of `sizeMiB` at `path`, its partitions from 1 MiB on, in order; or, with
 * `whole`, one filesystem on the whole disk and no partition table.
 */
export async function makeExtDisk(
  path: string,
  sizeMiB: number,
  partitions: ExtPartition[],
  options: { whole?: boolean } = {},
): Promise<void> {
  await sh(`rm -f ${q(path)} && truncate -s ${sizeMiB}M ${q(path)}`);
  if (options.whole) {
    await mkfs(path, 0, sizeMiB, partitions[0]!);
    return;
  }
  const lines = partitions.map((p) => `size=${p.sizeMiB}MiB, type=${LINUX}`);
  await sh(`printf '%s\\n' 'label: gpt' ${lines.map(q).join(' ')} | sfdisk -q ${q(path)}`);
  let at = 1;
  for (const partition of partitions) {
    await mkfs(path, at, partition.sizeMiB, partition);
    at += partition.sizeMiB;
  }
}

async function mkfs(path: string, atMiB: number, sizeMiB: number, p: ExtPartition) {
  const label = p.label ? `-L ${q(p.label)}` : '';
  await sh(
    `mkfs.ext4 -q -F ${p.mkfs ?? ''} ${label} -E offset=${atMiB * MIB} -d ${q(p.files)} ` +
      `${q(path)} ${sizeMiB * 1024}k`,
  );
}

/** debugfs's view of the filesystem at `atMiB` of the disk `path` ("file?offset=N"). */
export function extAt(path: string, atMiB: number): string {
  return `${path}?offset=${atMiB * MIB}`;
}

/** The blocks of the file at `path` inside the filesystem, as debugfs lists them. */
export async function fileBlocks(filesystem: string, path: string): Promise<number[]> {
  const out = await sh(`debugfs -R ${q(`blocks ${path}`)} ${q(filesystem)} 2>/dev/null`);
  return out.trim().split(/\s+/).filter(Boolean).map(Number);
}
