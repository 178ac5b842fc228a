// Drive cautions on this machine's real drives: the root filesystem's drive is the system
// drive and never a restore target; a loop device the test attaches is listed with its size
// and is a fine target until it holds a chosen path or is mounted.

import { mkdir, writeFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { listedDrive } from '../test-support/records.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';
import { classifyDrives, listedDriveFacts } from './classify-drives.js';
import { listDrives } from './list-drives.js';

describe('a listed drive’s facts (pure)', () => {
  const kernel = {
    size: 8e9,
    readOnly: false,
    system: false,
    mounted: [{ device: '/dev/sdb1', mountPoint: '/media/usb' }],
    holds: ['/media/usb/disk.img.zst'],
  };

  it('are the kernel’s when it gives them: the ones a restore’s plan judges by', () => {
    // drivelist calls a fixed disk "system"; the kernel knows the computer does not run from it.
    expect(listedDriveFacts(listedDrive({ system: true, removable: false }), kernel)).toEqual(
      kernel,
    );
  });

  it('are drivelist’s where the kernel gives none', () => {
    expect(
      listedDriveFacts(
        listedDrive({ system: true, readOnly: true, mountpoints: ['/m'], size: 0 }),
        null,
      ),
    ).toEqual({
      size: 0,
      readOnly: true,
      system: true,
      mounted: [{ device: '/dev/sdb', mountPoint: '/m' }],
      holds: [],
    });
  });
});

describe.skipIf(noLoopReason)(`drives of this machine (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let loop: LoopDevice;

  beforeAll(async () => {
    dir = await tempDir();
    const file = join(dir.path, 'disk.bin');
    await writeFile(file, '');
    await truncate(file, 64 * 2 ** 20);
    loop = await attachLoop(file);
  });

  afterAll(async () => {
    await sh(`umount ${q(join(dir.path, 'mnt'))} 2>/dev/null || true`);
    detachAll();
    await dir?.remove();
  });

  it('lists the test’s loop device with its size, as a possible target', async () => {
    const drives = await classifyDrives(await listDrives({ all: true }));
    const listed = drives.find((d) => d.path === loop.path);
    expect(listed?.size).toBe(64 * 2 ** 20);
    expect(listed?.canRestoreTo).toBe(true);
  });

  it('flags the root filesystem’s drive as the system drive, never a target', async () => {
    const root = (await sh('findmnt -no SOURCE /')).trim();
    const disk =
      (await sh(`lsblk -no PKNAME ${q(root)} 2>/dev/null || true`)).trim() || root.slice(5);
    const drives = await classifyDrives(await listDrives({ all: true }), [dir.path]);
    const system = drives.find((d) => d.path === `/dev/${disk}`);
    // In some containers / is not on a block device drivelist lists: then nothing to check.
    if (!system) return;
    expect(system.cautions).toContainEqual({ kind: 'system' });
    // The test's folder is on it too.
    expect(system.cautions).toContainEqual({ kind: 'holds-path', path: dir.path });
    expect(system.canRestoreTo).toBe(false);
  });

  it('flags a loop device that holds the chosen path and is mounted', async () => {
    await sh(`mkfs.ext4 -q ${q(loop.path)}`);
    const mnt = join(dir.path, 'mnt');
    await mkdir(mnt);
    await sh(`mount ${q(loop.path)} ${q(mnt)}`);
    const image = join(mnt, 'disk.img.zst');
    await writeFile(image, 'x');
    const drives = await classifyDrives(await listDrives({ all: true }), [image]);
    const listed = drives.find((d) => d.path === loop.path)!;
    expect(listed.cautions).toEqual([
      { kind: 'holds-path', path: image },
      { kind: 'mounted', mounts: [{ device: loop.path, mountPoint: mnt }] },
    ]);
    expect(listed.canRestoreTo).toBe(false);
    await sh(`umount ${q(mnt)}`);
  });
});
