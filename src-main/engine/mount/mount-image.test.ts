// `spillway mount` and `unmount` as a user runs them (the built CLI, as root): the fixture
// disk (FAT32 ESP, ext4 root of real files, swap) is backed up in used-blocks mode, the image
// is mounted, and the ext4 partition's tree under the mount — names, kinds, sizes, bytes,
// modes, times, links — is the source's as the kernel reads it. Writes are refused. After
// unmount nothing is left: no mount, no loop device, no nbdfuse, no serving process, an
// empty folder. The same holds when the serving process was killed and unmount runs alone.
// NTFS (ntfs-3g) and exFAT (exfat-fuse) volumes filled through their drivers come back the
// same way through the mount.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPILLWAY, spillway } from '../../test-support/cli.js';
import { treeDifferences, treeFromKernel } from '../../test-support/compare-tree.js';
import { mountExfat, noExfatFuseReason } from '../../test-support/exfat-mount.js';
import { fixtureDisk, randomFile } from '../../test-support/fixtures.js';
import { noNtfsReason } from '../../test-support/ntfs-mount.js';
import { makeNtfsVolume, withNtfsReadOnly } from '../../test-support/ntfs-volume.js';
import { attachLoop, detachAll } from '../../test-support/loop-devices.js';
import { noLoopReason } from '../../test-support/root.js';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { ImageBrowser } from '../browse/image-browser.js';
import { readMountState, STATE_FILE, type MountState } from './mount-image.js';

const canMount =
  noLoopReason ??
  (await sh('test -c /dev/fuse && which nbdfuse').then(
    () => null,
    () => 'needs /dev/fuse and nbdfuse (libnbd-bin)',
  ));

describe.skipIf(canMount !== null)(`spillway mount (${canMount ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  let source: string;
  let rootIndex: number;
  const serving: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    const disk = await fixtureDisk({ sizeMiB: 160 });
    const browser = await ImageBrowser.open(disk);
    const { partitions } = await browser.layout();
    await browser.close();
    const root = partitions.find((p) => p.filesystem === 'ext4')!;
    rootIndex = root.index;
    // The source's tree as the kernel reads it, from a read-only loop over that partition.
    source = join(dir.path, 'source');
    await mkdir(source);
    const loop = await attachLoop(disk, {
      readOnly: true,
      offset: root.start,
      sizeLimit: root.size,
    });
    await sh(`mount -o ro,noload ${q(loop.path)} ${q(source)}`);
    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', disk, image]);
    expect(made.code, made.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    for (const child of serving) if (child.exitCode === null) child.kill('SIGTERM');
    for (const folder of ['mnt', 'mnt2', 'mnt-ntfs', 'mnt-exfat']) {
      const at = join(dir.path, folder);
      if (await readMountState(at).catch(() => null)) await spillway(['unmount', at]);
    }
    await sh(`umount ${q(source)} 2>/dev/null || true`);
    detachAll();
    await dir?.remove();
  });

  /** Starts `spillway mount`; resolves with what it said once it serves. */
  async function mount(
    at: string,
    what = image,
  ): Promise<{ child: ChildProcess; said: string; exited: Promise<number | null> }> {
    await mkdir(at);
    const child = spawn(SPILLWAY, ['mount', what, at], { stdio: ['ignore', 'pipe', 'pipe'] });
    serving.push(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let said = '';
    child.stderr!.on('data', (d: Buffer) => (said += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        said += d.toString();
        if (said.includes('Serving the image')) resolve();
      });
      void exited.then((code) => reject(new Error(`mount exited (${code}): ${said}`)));
    });
    return { child, said, exited };
  }

  /** Nothing of `state` remains: mounts, loop devices, processes, the runtime folder. */
  async function nothingLeft(at: string, state: MountState, pids: number[]) {
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(at);
    expect(mounts).not.toContain(state.runtime);
    expect(await sh('losetup -a')).not.toContain(state.runtime);
    for (const pid of pids) {
      expect(
        await sh(`test -e /proc/${pid} && cat /proc/${pid}/status | grep State || true`),
      ).not.toMatch(/State:\s+[RSD]/);
    }
    expect(await readdir(at)).toEqual([]);
    expect(await sh(`ls -d ${q(state.runtime)} 2>/dev/null || true`)).toBe('');
  }

  it('shows the ext4 partition as its source, read-only; unmount leaves nothing', async () => {
    const at = join(dir.path, 'mnt');
    const { said, exited } = await mount(at);
    expect(said).toMatch(new RegExp(`Mounted partition ${rootIndex} \\(ext4\\) read-only at `));
    // Without a FAT driver (this kernel has none) the ESP is skipped, and says why.
    if (!(await readFile('/proc/filesystems', 'utf8')).includes('vfat')) {
      expect(said).toMatch(
        /\((?:fat32|fat16|vfat)\) is not mounted: this system has no FAT driver/,
      );
    }
    // Swap is never mounted, and says why.
    expect(said).toMatch(/Partition \d+ \(swap\) is not mounted: it is swap space/);
    const state = (await readMountState(at))!;
    const folder = state.mounts.find((m) => m.startsWith(join(at, `${rootIndex}-`)))!;

    const [expected, actual] = await Promise.all([treeFromKernel(source), treeFromKernel(folder)]);
    expect(actual.length).toBeGreaterThan(20);
    expect(treeDifferences(expected, actual)).toEqual([]);
    await expect(writeFile(join(folder, 'new.txt'), 'x')).rejects.toThrow(/EROFS|read-only/i);

    const undone = await spillway(['unmount', at]);
    expect(undone.code, undone.stderr).toBe(0);
    expect(await exited).toBe(0);
    await nothingLeft(at, state, [state.pid, state.nbdfusePid!]);
  }, 180_000);

  it('unmount undoes a mount whose serving process was killed', async () => {
    const at = join(dir.path, 'mnt2');
    const { child, exited } = await mount(at);
    const state = (await readMountState(at))!;
    expect(await readdir(at)).toContain(STATE_FILE);
    child.kill('SIGKILL');
    await exited;
    const undone = await spillway(['unmount', at]);
    expect(undone.code, undone.stderr).toBe(0);
    await nothingLeft(at, state, [state.pid, state.nbdfusePid!]);
    // Nothing is mounted there any more: unmount says so.
    const again = await spillway(['unmount', at]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('Nothing Spillway mounted is at');
  }, 120_000);

  /** A few real files: nested folders, a long non-ASCII name, a file of several frames. */
  async function fill(root: string) {
    await mkdir(join(root, 'Documents', 'Été 2025'), { recursive: true });
    await writeFile(join(root, 'Documents', 'Été 2025', 'a rather long name, ça va.txt'), 'hé\n');
    await randomFile(join(root, 'Documents', 'big.bin'), 9 * 2 ** 20 + 5, 'mount-fuse');
    await writeFile(join(root, 'readme.txt'), 'top\n');
  }

  /** Backs `volume` up, mounts the image, compares with `source`, unmounts, checks. */
  async function roundTrip(
    volume: string,
    name: string,
    source: (use: (root: string) => Promise<void>) => Promise<void>,
    fsName: string,
  ) {
    const made = await spillway(['backup', volume, `${volume}.img.zst`]);
    expect(made.code, made.stderr).toBe(0);
    const at = join(dir.path, `mnt-${name}`);
    const { said, exited } = await mount(at, `${volume}.img.zst`);
    expect(said).toContain(`Mounted partition 1 (${fsName}) read-only at ${at}/1-${name}`);
    const state = (await readMountState(at))!;
    const actual = await treeFromKernel(state.mounts[0]!);
    await source(async (root) => {
      const expected = await treeFromKernel(root);
      expect(expected.length).toBeGreaterThan(4);
      expect(treeDifferences(expected, actual, { modes: false })).toEqual([]);
    });
    const undone = await spillway(['unmount', at]);
    expect(undone.code, undone.stderr).toBe(0);
    expect(await exited).toBe(0);
    await nothingLeft(at, state, [state.pid, state.nbdfusePid!]);
  }

  it.skipIf(noNtfsReason !== null)(
    'NTFS through ntfs-3g, read-only; unmount leaves nothing',
    async () => {
      const volume = join(dir.path, 'ntfs.bin');
      await sh(`truncate -s 64M ${q(volume)}`);
      await makeNtfsVolume(volume, join(dir.path, 'ntfs-fill'), 'ntfs', fill);
      await mkdir(join(dir.path, 'ntfs-src'));
      await roundTrip(
        volume,
        'ntfs',
        (use) => withNtfsReadOnly(volume, join(dir.path, 'ntfs-src'), use),
        'ntfs',
      );
    },
    180_000,
  );

  it.skipIf(noExfatFuseReason !== null)(
    'exFAT through the system’s exFAT driver; unmount leaves nothing',
    async () => {
      const volume = join(dir.path, 'exfat.bin');
      await sh(`truncate -s 64M ${q(volume)} && mkfs.exfat -L exfat ${q(volume)} >/dev/null`);
      const filling = join(dir.path, 'exfat-fill');
      await mkdir(filling);
      const rw = await mountExfat(volume, filling);
      try {
        await fill(filling);
      } finally {
        await rw.unmount();
      }
      const sourceAt = join(dir.path, 'exfat-src');
      await mkdir(sourceAt);
      await roundTrip(
        volume,
        'exfat',
        async (use) => {
          const ro = await mountExfat(volume, sourceAt, { readOnly: true });
          try {
            await use(sourceAt);
          } finally {
            await ro.unmount();
          }
        },
        'exfat',
      );
    },
    180_000,
  );
});
