// `spillway mount` and `unmount` as a user runs them (the built CLI, as root): the fixture
// disk (FAT32 ESP, ext4 root of real files, swap) is backed up in used-blocks mode, the image
// is mounted, and the ext4 partition's tree under the mount — names, kinds, sizes, bytes,
// modes, times, links — is the source's as the kernel reads it. Writes are refused. After
// unmount nothing is left: no mount, no loop device, no nbdfuse, no serving process, an
// empty folder. The same holds when the serving process was killed and unmount runs alone.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPILLWAY, spillway } from '../../test-support/cli.js';
import { treeDifferences, treeFromKernel } from '../../test-support/compare-tree.js';
import { fixtureDisk } from '../../test-support/fixtures.js';
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
    for (const folder of ['mnt', 'mnt2']) {
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
  ): Promise<{ child: ChildProcess; said: string; exited: Promise<number | null> }> {
    await mkdir(at);
    const child = spawn(SPILLWAY, ['mount', image, at], { stdio: ['ignore', 'pipe', 'pipe'] });
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
});
