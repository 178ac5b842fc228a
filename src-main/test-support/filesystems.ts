// Every filesystem the used-blocks readers know, made by its real mkfs, filled with real
// files through its real driver (the kernel for ext, mtools for FAT, FUSE for exFAT and NTFS:
// this kernel has neither a FAT nor an exFAT driver), checked by its real fsck, and listed as
// a file tree (names, sizes, modes where the filesystem has them, SHA-256 of every file) so a
// source and a restored copy can be compared.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { q, sh } from './shell.js';

export interface FilesystemKind {
  /** Row name in test output, e.g. "ext4 1k blocks". */
  name: string;
  /** What the allocation reader reports. */
  filesystem: string;
  sizeMiB: number;
  mbrType: string;
  gptType: string;
  make(device: string): Promise<void>;
  /** Copies the tree in `files` onto the filesystem, then deletes part of it (stale data). */
  fill(device: string, files: string, scratch: string): Promise<void>;
  /** The file tree, as text; equal trees give equal text. */
  tree(device: string, scratch: string): Promise<string>;
  /** Rejects unless the filesystem's own checker, in no-change mode, finds it clean. */
  check(device: string): Promise<void>;
}

const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
const SWAP = '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F';
const MTOOLS = 'MTOOLS_SKIP_CHECK=1';

/** Names, types, sizes (and modes) of everything under `dir`, then SHA-256 of every file. */
export async function listTree(dir: string, withModes: boolean): Promise<string> {
  const format = withModes ? '%y %p %s %m\\n' : '%y %p %s\\n';
  return sh(
    `cd ${q(dir)} && find . -printf '${format}' | sort && ` +
      `find . -type f -print0 | sort -z | xargs -0 -r sha256sum`,
  );
}

/**
 * Writes a small realistic tree into `dir`: nested folders, empty and odd-sized files, files
 * of several MiB of random bytes (and `rm-*` files, which fill() deletes again afterwards).
 */
export async function makeFileTree(dir: string): Promise<void> {
  await sh(
    [
      `mkdir -p ${q(dir)}/docs/old ${q(dir)}/photos ${q(dir)}/empty-folder`,
      `cd ${q(dir)}`,
      `: > docs/empty.txt`,
      `printf 'hello' > docs/hello.txt`,
      `head -c 4095 /dev/urandom > docs/odd.bin`,
      `head -c 4096 /dev/urandom > docs/old/page.bin`,
      `seq 1 20000 > docs/numbers.txt`,
      `head -c 1500000 /dev/urandom > photos/one.jpg`,
      `head -c 2500000 /dev/urandom > photos/two.jpg`,
      `head -c 2000000 /dev/urandom > rm-big.bin`,
      `head -c 700000 /dev/urandom > docs/rm-mid.bin`,
      `chmod 600 docs/hello.txt && chmod 755 photos`,
    ].join(' && '),
  );
}

/** Runs `body` with `device` mounted at a fresh folder under `scratch`, then unmounts. */
async function withMount<T>(
  mountCommand: (device: string, at: string) => string,
  device: string,
  scratch: string,
  body: (at: string) => Promise<T>,
): Promise<T> {
  const at = join(scratch, `mnt-${Math.random().toString(36).slice(2)}`);
  await mkdir(at, { recursive: true });
  await sh(mountCommand(device, at));
  try {
    return await body(at);
  } finally {
    await sh(`umount ${q(at)}`);
    await rm(at, { recursive: true, force: true });
  }
}

/** Copies the tree in, then deletes the rm-* files: their blocks become stale free space. */
async function copyThenDelete(at: string, files: string): Promise<void> {
  await sh(`cp -r ${q(files)}/. ${q(at)}/ && find ${q(at)} -name 'rm-*' -delete && sync`);
}

function ext(name: string, sizeMiB: number, mkfs: string, filesystem = 'ext4'): FilesystemKind {
  const mounted = (options: string) => (device: string, at: string) =>
    `mount -o ${options} ${q(device)} ${q(at)}`;
  return {
    name,
    filesystem,
    sizeMiB,
    mbrType: '83',
    gptType: LINUX,
    make: async (device) => void (await sh(`${mkfs} -q -F ${q(device)}`)),
    fill: (device, files, scratch) =>
      withMount(mounted('rw'), device, scratch, (at) => copyThenDelete(at, files)),
    tree: (device, scratch) =>
      // noload: no journal replay, so reading changes nothing (ext2 has no journal).
      withMount(mounted(filesystem === 'ext2' ? 'ro' : 'ro,noload'), device, scratch, (at) =>
        listTree(at, true),
      ),
    check: async (device) => void (await sh(`e2fsck -n -f ${q(device)} 2>&1`)),
  };
}

function fat(bits: 16 | 32, sizeMiB: number): FilesystemKind {
  return {
    name: `FAT${bits}`,
    filesystem: `fat${bits}`,
    sizeMiB,
    mbrType: bits === 16 ? '06' : '0c',
    gptType: BASIC_DATA,
    make: async (device) => void (await sh(`mkfs.fat -F ${bits} -s 1 ${q(device)} >/dev/null`)),
    fill: async (device, files) => {
      await sh(`${MTOOLS} mcopy -s -i ${q(device)} ${q(files)}/* ::/`);
      await sh(`${MTOOLS} mdel -i ${q(device)} ::/rm-big.bin ::/docs/rm-mid.bin`);
    },
    tree: async (device, scratch) => {
      const into = join(scratch, `fat-${Math.random().toString(36).slice(2)}`);
      await mkdir(into, { recursive: true });
      try {
        // mtools sets no modes worth comparing (FAT has none): names, sizes and bytes.
        await sh(`${MTOOLS} mcopy -s -n -i ${q(device)} ::/ ${q(into)}`);
        return await listTree(into, false);
      } finally {
        await rm(into, { recursive: true, force: true });
      }
    },
    check: async (device) => void (await sh(`fsck.fat -n ${q(device)}`)),
  };
}

function fuse(
  name: string,
  filesystem: string,
  sizeMiB: number,
  mkfs: string,
  mountCommand: (options: string) => (device: string, at: string) => string,
  checkCommand: string,
): FilesystemKind {
  return {
    name,
    filesystem,
    sizeMiB,
    mbrType: '07',
    gptType: BASIC_DATA,
    make: async (device) => void (await sh(`${mkfs} ${q(device)} >/dev/null`)),
    fill: (device, files, scratch) =>
      withMount(mountCommand('rw'), device, scratch, (at) => copyThenDelete(at, files)),
    tree: (device, scratch) =>
      withMount(mountCommand('ro'), device, scratch, (at) => listTree(at, false)),
    check: async (device) => void (await sh(`${checkCommand} ${q(device)} 2>&1`)),
  };
}

export const FILESYSTEMS: FilesystemKind[] = [
  ext('ext4 4k blocks', 40, 'mkfs.ext4 -b 4096'),
  ext('ext4 1k blocks', 24, 'mkfs.ext4 -b 1024'),
  ext('ext4 without flex_bg', 24, 'mkfs.ext4 -O ^flex_bg'),
  ext('ext4 meta_bg', 24, 'mkfs.ext4 -b 1024 -g 1024 -O meta_bg,^resize_inode'),
  ext('ext2', 16, 'mkfs.ext2', 'ext2'),
  fat(16, 16),
  fat(32, 40),
  fuse(
    'exFAT',
    'exfat',
    24,
    'mkfs.exfat',
    (options) => (device, at) => `mount.exfat-fuse -o ${options} ${q(device)} ${q(at)}`,
    'fsck.exfat -n',
  ),
  fuse(
    'NTFS',
    'ntfs',
    24,
    // Quick format: the stale bytes of free space stay, as on a used drive.
    'mkntfs -Q -F',
    (options) => (device, at) => `ntfs-3g -o ${options} ${q(device)} ${q(at)}`,
    'ntfsfix -n',
  ),
  {
    name: 'swap',
    filesystem: 'swap',
    sizeMiB: 8,
    mbrType: '82',
    gptType: SWAP,
    make: async (device) => void (await sh(`mkswap -L spill-swap ${q(device)} >/dev/null`)),
    fill: async () => {},
    // Swap holds no files: what must survive is its header (label, UUID, size).
    tree: (device) => sh(`blkid -o export ${q(device)} | grep -v DEVNAME | sort`),
    check: async (device) => void (await sh(`swaplabel ${q(device)}`)),
  },
];

/**
 * sfdisk's script for a disk holding every kind in `kinds`, in order. On MBR the first three
 * are primary and the rest logical, inside an extended partition (index 4): logical
 * partitions are numbered from 5.
 */
export function sfdiskScript(table: 'gpt' | 'mbr', kinds: FilesystemKind[]): string {
  const line = (kind: FilesystemKind) =>
    `size=${kind.sizeMiB}MiB, type=${table === 'gpt' ? kind.gptType : kind.mbrType}` +
    (table === 'gpt' ? `, name="${kind.name}"` : '');
  if (table === 'gpt') return ['label: gpt', ...kinds.map(line)].join('\n') + '\n';
  const primary = kinds.slice(0, 3).map(line);
  const logical = kinds.slice(3).map(line);
  return ['label: dos', ...primary, 'type=05', ...logical].join('\n') + '\n';
}

/** The partition index of kinds[i] on a disk made from sfdiskScript. */
export function partitionIndex(table: 'gpt' | 'mbr', i: number): number {
  return table === 'mbr' && i >= 3 ? i + 2 : i + 1;
}

/** Disk size for `kinds`: their sizes, 1 MiB before for the table, and room for alignment
 *  of logical partitions and the backup GPT. */
export function diskMiB(kinds: FilesystemKind[]): number {
  return kinds.reduce((sum, kind) => sum + kind.sizeMiB, 0) + kinds.length + 2;
}
