// Fixture disks: whole-disk images that look like the drive of a computer in use, built with the
// real tools, for the tests and the benchmark to back up and restore:
//
//   p1  EFI system partition  FAT32 (mkfs.vfat, mtools): a boot loader, its menu, and two
//                             kernel images of which the older was deleted again, so its
//                             clusters still hold its bytes
//   p2  Linux root            ext4 (mkfs.ext4, filled through the kernel's driver): real files
//                             copied from this machine's /usr and incompressible "photos", up
//                             to fillPct % full; more files written and deleted again; and the
//                             region held seeded random bytes before mkfs, so free space is
//                             stale data, as on a used drive that was never trimmed
//   p3  Linux swap            mkswap over old "swapped-out pages" (real shared libraries)
//
// The table (GPT or MBR), every identifier (disk and partition GUIDs, filesystem UUIDs, the FAT
// volume id, ext4's hash seed) and every random byte come from the seed: for a seed the layout
// and the files are the same on a given machine, the bytes are not (the filesystems record
// times of their own). Needs root (loop devices, mount). fixtures.ts caches the result.

import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { attachLoop } from './loop-devices.js';
import { writeSeededBytes, writeSeededFile, seededStream } from './seeded-bytes.js';
import { run } from './shell.js';

const MiB = 2 ** 20;
const SECTORS_PER_MIB = MiB / 512;

export interface DiskOptions {
  /** The whole disk: 160 for tests, 4096 for the benchmark; at least 160. */
  sizeMiB: number;
  /** Partition table (default gpt). */
  table?: 'gpt' | 'mbr';
  /** Seed of every identifier and random byte (default 'spillway-1'). */
  seed?: string;
  /** How full the root filesystem is left, 10 to 85 % (default 40). */
  fillPct?: number;
  /** What the root partition's region held before mkfs (default random: stale data). */
  prefill?: 'random' | 'zero';
}

/** The options with every default filled in: what a disk is built (and cached) from. */
export type DiskRecipe = Required<DiskOptions>;

export function diskRecipe(options: DiskOptions): DiskRecipe {
  const recipe: DiskRecipe = {
    sizeMiB: options.sizeMiB,
    table: options.table ?? 'gpt',
    seed: options.seed ?? 'spillway-1',
    fillPct: options.fillPct ?? 40,
    prefill: options.prefill ?? 'random',
  };
  if (!Number.isInteger(recipe.sizeMiB) || recipe.sizeMiB < 160) {
    throw new Error(
      `a fixture disk is a whole number of MiB, at least 160 (not ${recipe.sizeMiB})`,
    );
  }
  if (!Number.isInteger(recipe.fillPct) || recipe.fillPct < 10 || recipe.fillPct > 85) {
    throw new Error(`fillPct is a whole percentage from 10 to 85 (not ${recipe.fillPct})`);
  }
  return recipe;
}

export type Role = 'esp' | 'root' | 'swap';

export interface PlannedPartition {
  role: Role;
  startMiB: number;
  sizeMiB: number;
}

/**
 * Where the partitions go, in whole MiB: the first MiB holds the table and alignment, the last
 * one GPT's backup copy (so a target up to 1 MiB smaller still takes every partition).
 */
export function diskLayout(sizeMiB: number): PlannedPartition[] {
  // A big disk gets the sizes an installer would choose; a small one just enough of each.
  const espMiB = sizeMiB >= 2048 ? 256 : 40;
  const swapMiB = sizeMiB >= 2048 ? 512 : 16;
  const rootMiB = sizeMiB - 1 - espMiB - swapMiB - 1;
  return [
    { role: 'esp', startMiB: 1, sizeMiB: espMiB },
    { role: 'root', startMiB: 1 + espMiB, sizeMiB: rootMiB },
    { role: 'swap', startMiB: 1 + espMiB + rootMiB, sizeMiB: swapMiB },
  ];
}

const PARTITION_TYPES: Record<Role, { gpt: string; mbr: string; name: string }> = {
  esp: { gpt: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', mbr: 'ef', name: 'EFI system partition' },
  root: { gpt: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', mbr: '83', name: 'Linux root' },
  swap: { gpt: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F', mbr: '82', name: 'Linux swap' },
};

function seedHash(seed: string, label: string): string {
  return createHash('sha256').update(`${seed}\0${label}`).digest('hex');
}

/** A random-looking (version 4) UUID that is the same for the same seed and label. */
export function seededUuid(seed: string, label: string): string {
  const h = seedHash(seed, label);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What sfdisk is told: the table, with its identifiers from the seed. */
export function partitionScript(recipe: DiskRecipe, layout: PlannedPartition[]): string {
  const sectors = (p: PlannedPartition) =>
    `start=${p.startMiB * SECTORS_PER_MIB}, size=${p.sizeMiB * SECTORS_PER_MIB}`;
  if (recipe.table === 'gpt') {
    return [
      'label: gpt',
      `label-id: ${seededUuid(recipe.seed, 'disk')}`,
      'unit: sectors',
      `first-lba: ${SECTORS_PER_MIB}`,
      ...layout.map(
        (p) =>
          `${sectors(p)}, type=${PARTITION_TYPES[p.role].gpt}, ` +
          `uuid=${seededUuid(recipe.seed, `partition ${p.role}`)}, name="${PARTITION_TYPES[p.role].name}"`,
      ),
      '',
    ].join('\n');
  }
  return [
    'label: dos',
    `label-id: 0x${seedHash(recipe.seed, 'disk').slice(0, 8)}`,
    'unit: sectors',
    ...layout.map(
      (p) =>
        `${sectors(p)}, type=${PARTITION_TYPES[p.role].mbr}${p.role === 'esp' ? ', bootable' : ''}`,
    ),
    '',
  ].join('\n');
}

/** Builds the disk image `out` (replacing it). Needs root. */
export async function buildFixtureDisk(out: string, options: DiskOptions): Promise<void> {
  const recipe = diskRecipe(options);
  const layout = diskLayout(recipe.sizeMiB);
  const part = (role: Role) => layout.find((p) => p.role === role)!;
  // Scratch space beside the image, not in /tmp: the root filesystem is mounted there.
  const work = await mkdtemp(join(dirname(out), '.fixture-disk-'));
  try {
    const handle = await open(out, 'w');
    try {
      await handle.truncate(recipe.sizeMiB * MiB);
      await writeStaleData(handle, recipe, part('root'), part('swap'));
    } finally {
      await handle.close();
    }
    await run('sfdisk', ['-q', out], { input: partitionScript(recipe, layout) });
    await makeEsp(out, part('esp'), recipe, work);
    await makeRoot(out, part('root'), recipe, work);
    await makeSwap(out, part('swap'), recipe);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What the drive held before these filesystems were made on it. */
async function writeStaleData(
  handle: Awaited<ReturnType<typeof open>>,
  recipe: DiskRecipe,
  root: PlannedPartition,
  swap: PlannedPartition,
): Promise<void> {
  if (recipe.prefill === 'random') {
    await writeSeededBytes(handle, root.startMiB * MiB, root.sizeMiB * MiB, recipe.seed, 'stale');
  }
  // A quarter of the swap area held pages of programs: real shared libraries, back to back.
  let at = swap.startMiB * MiB;
  const end = at + Math.floor((swap.sizeMiB * MiB) / 4);
  for await (const file of regularFiles('/usr/lib')) {
    if (at >= end) break;
    if (!/\.so(\.|$)/.test(file.path)) continue;
    const source = await open(file.path, 'r');
    try {
      const piece = Buffer.alloc(Math.min(file.size, end - at));
      const { bytesRead } = await source.read(piece, 0, piece.length, 0);
      await handle.write(piece, 0, bytesRead, at);
      at += bytesRead;
    } finally {
      await source.close();
    }
  }
}

/** Runs `body` with a loop device over one partition's region of the image. */
async function onPartition<T>(
  image: string,
  partition: PlannedPartition,
  body: (device: string) => Promise<T>,
): Promise<T> {
  const loop = await attachLoop(image, {
    offset: partition.startMiB * MiB,
    sizeLimit: partition.sizeMiB * MiB,
  });
  try {
    return await body(loop.path);
  } finally {
    await loop.detach();
  }
}

async function makeEsp(
  image: string,
  esp: PlannedPartition,
  recipe: DiskRecipe,
  work: string,
): Promise<void> {
  await onPartition(image, esp, async (device) => {
    // 512-byte clusters: FAT32 needs 65525 clusters at least, and the small ESP has 80k.
    await run('mkfs.vfat', [
      '-F',
      '32',
      '-s',
      '1',
      '-n',
      'EFI',
      '-i',
      seedHash(recipe.seed, 'esp').slice(0, 8),
      '-h',
      String(esp.startMiB * SECTORS_PER_MIB),
      device,
    ]);
    // This kernel has no FAT driver: files go in with mtools.
    const mtools = (command: string, ...args: string[]) =>
      run(command, ['-i', device, ...args], { env: { MTOOLS_SKIP_CHECK: '1' } });
    await mtools('mmd', '::/EFI', '::/EFI/BOOT', '::/EFI/debian', '::/EFI/Linux');
    // A real program stands in for the boot loader: code, as a boot loader is.
    await mtools('mcopy', '/usr/bin/bash', '::/EFI/BOOT/BOOTX64.EFI');
    const kernels = ['6.1.0-9', '6.1.0-13'];
    const menu = join(work, 'grub.cfg');
    await writeFile(
      menu,
      kernels
        .map((k) => `menuentry 'Debian GNU/Linux, ${k}' {\n  chainloader /EFI/Linux/${k}.efi\n}\n`)
        .join(''),
    );
    await mtools('mcopy', menu, '::/EFI/debian/grub.cfg');
    // Kernel images are compressed: seeded random bytes, a third of the partition each.
    for (const kernel of kernels) {
      const file = join(work, `${kernel}.efi`);
      await writeSeededFile(
        file,
        Math.floor((esp.sizeMiB * MiB) / 3),
        recipe.seed,
        `kernel ${kernel}`,
      );
      await mtools('mcopy', file, `::/EFI/Linux/${kernel}.efi`);
      await rm(file);
    }
    // An update removed the older one; its clusters keep its bytes.
    await mtools('mdel', `::/EFI/Linux/${kernels[0]}.efi`);
  });
}

async function makeRoot(
  image: string,
  root: PlannedPartition,
  recipe: DiskRecipe,
  work: string,
): Promise<void> {
  await onPartition(image, root, async (device) => {
    // nodiscard: mkfs must not discard (zero) the stale bytes; the fake time and the seeded
    // UUID and hash seed keep what mkfs writes the same from build to build.
    await run(
      'mkfs.ext4',
      [
        '-q',
        '-F',
        '-L',
        'root',
        '-U',
        seededUuid(recipe.seed, 'root filesystem'),
        '-E',
        `nodiscard,lazy_itable_init=0,lazy_journal_init=0,hash_seed=${seededUuid(recipe.seed, 'root hash')}`,
        device,
      ],
      { env: { E2FSPROGS_FAKE_TIME: '1700000000' } },
    );
    const mountPoint = join(work, 'root');
    await mkdir(mountPoint);
    await run('mount', ['-o', 'noatime', device, mountPoint]);
    try {
      const capacity = root.sizeMiB * MiB;
      const budget = (capacity * recipe.fillPct) / 100;
      // A sixth photos, the rest the system: half text (documentation, headers), half code.
      const photos = budget / 6;
      const system = budget - photos;
      await copyRealFiles(mountPoint, TEXT_FILES, system / 2);
      await copyRealFiles(mountPoint, CODE_FILES, system / 2);
      await writePhotos(join(mountPoint, 'home/user/Pictures'), photos, recipe.seed);
      // Files written and deleted again (an old download cache): blocks that are free but
      // hold real data. Half of what is left below 85 % full.
      const cache = join(mountPoint, 'var/cache/old-downloads');
      await copyRealFiles(
        cache,
        [...CODE_FILES, ...TEXT_FILES],
        (capacity * (85 - recipe.fillPct)) / 200,
      );
      // Written to the drive before the delete, or the kernel would never write them.
      await run('sync', ['-f', mountPoint]);
      await rm(cache, { recursive: true });
      await run('sync', ['-f', mountPoint]);
    } finally {
      await run('umount', [mountPoint]);
    }
  });
}

async function makeSwap(image: string, swap: PlannedPartition, recipe: DiskRecipe): Promise<void> {
  await onPartition(image, swap, (device) =>
    run('mkswap', ['-q', '-L', 'swap', '-U', seededUuid(recipe.seed, 'swap'), device]),
  );
}

/** Where the copied system files come from, in order, until the budget is spent. */
const TEXT_FILES = ['/usr/share/doc', '/usr/share/man', '/usr/include', '/usr/share'];
const CODE_FILES = ['/usr/bin', '/usr/sbin', '/usr/lib', '/usr/libexec'];
/** Bigger files are left out: one file must not spend a small disk's whole budget. */
const LARGEST_FILE = 64 * MiB;

/** Regular files under `dir`, depth first in name order (symlinks are not followed). */
async function* regularFiles(dir: string): AsyncGenerator<{ path: string; size: number }> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // a folder this machine does not have, or cannot list: nothing from it
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* regularFiles(path);
    else if (entry.isFile()) yield { path, size: (await stat(path)).size };
  }
}

/**
 * Copies files from `roots` into `dest` under their own paths (usr/share/doc/…), with their
 * modes and times, until the next file would pass `budget` bytes.
 */
async function copyRealFiles(dest: string, roots: string[], budget: number): Promise<void> {
  const chosen = new Set<string>();
  let total = 0;
  search: for (const root of roots) {
    for await (const file of regularFiles(root)) {
      if (file.size > LARGEST_FILE || chosen.has(file.path)) continue;
      if (total + file.size > budget) break search;
      chosen.add(file.path);
      total += file.size;
    }
  }
  await mkdir(dest, { recursive: true });
  // Relative to / (cp --parents then makes usr/share/… under dest, folder modes included).
  const list = [...chosen].map((p) => p.slice(1) + '\0').join('');
  await run('xargs', ['-0', '-r', 'cp', '--preserve=mode,timestamps', '--parents', '-t', dest], {
    input: list,
    cwd: '/',
  });
}

/** Photos: incompressible files of 1.5 to 4 MiB, IMG_0001.jpg on, until `budget` bytes. */
async function writePhotos(dir: string, budget: number, seed: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const sizes = seededStream(seed, 'photo sizes');
  for (let n = 1, total = 0; total < budget; n++) {
    const size = Math.round(1.5 * MiB + (sizes(4).readUInt32LE(0) / 2 ** 32) * 2.5 * MiB);
    const name = `IMG_${String(n).padStart(4, '0')}.jpg`;
    await writeSeededFile(join(dir, name), size, seed, `photo ${n}`);
    total += size;
  }
}
