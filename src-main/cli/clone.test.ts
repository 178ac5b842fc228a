// `spillway clone` between loop devices: the fixture disk (GPT: ESP, ext4, swap) copied onto
// a drive twice its size grows its ext4 partition and moves the swap to the end, the source
// untouched; the source itself, a too-small drive and a drive in use are refused before
// anything is written.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneResult } from '../../src-shared/protocol/events.js';
import { spawn } from 'node:child_process';
import { jsonEvents, SPILLWAY, spillway } from '../test-support/cli.js';
import { extBytes, extTree } from '../test-support/ext-drive.js';
import { fixtureDisk } from '../test-support/fixtures.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { sfdiskJson } from '../test-support/sfdisk-table.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const DISK_MIB = 160;

const sha256 = async (path: string) => (await sh(`sha256sum ${q(path)}`)).split(' ')[0]!;
/** Bytes of `path` that are not zero in its first MiB (0: nothing was written there). */
const firstMiBWritten = async (path: string) =>
  Number((await sh(`head -c 1048576 ${q(path)} | tr -d '\\0' | wc -c`)).trim());

describe.skipIf(noLoopReason)(`spillway clone (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let disk: string;
  let source: LoopDevice;
  let sourceHash: string;

  beforeAll(async () => {
    dir = await tempDir();
    disk = await fixtureDisk({ sizeMiB: DISK_MIB });
    source = await attachLoop(disk, { readOnly: true, partitions: true });
    sourceHash = await sha256(source.path);
  });

  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  async function blankTarget(name: string, mib: number): Promise<LoopDevice> {
    const file = join(dir.path, `${name}.img`);
    await sh(`truncate -s ${mib}M ${q(file)}`);
    return attachLoop(file, { partitions: true });
  }

  it('copies onto a drive twice the size, growing ext4 and moving the swap to the end', async () => {
    const target = await blankTarget('larger', 2 * DISK_MIB);
    try {
      const run = await spillway(['clone', source.path, target.path, '--yes', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const result = jsonEvents(run.stdout).find((e) => e.type === 'done')!.result as CloneResult;
      expect(result.readBack).toBe(true);
      expect(result.layout?.grown).toMatchObject({ partition: 2, tool: 'resize2fs' });
      expect(result.layout?.moved).toEqual([3]);

      const out = await sh(`sfdisk -V ${q(target.path)} 2>&1`);
      expect(out).toContain('No errors detected.');
      const before = (await sfdiskJson(source.path)).partitiontable;
      const after = (await sfdiskJson(target.path)).partitiontable;
      expect(after.id).toBe(before.id);
      const root = after.partitions[1]!;
      const swap = after.partitions[2]!;
      expect(root.start + root.size).toBe(swap.start);
      expect(swap.start).toBeGreaterThan(before.partitions[2]!.start + 150 * 2048);

      const part = (n: number) => `${target.path}p${n}`;
      await sh(`e2fsck -fn ${q(part(2))}`);
      await sh(`fsck.vfat -n ${q(part(1))}`);
      expect(await extBytes(part(2))).toBe(root.size * 512);
      expect((await sh(`blkid -o value -s TYPE ${q(part(3))}`)).trim()).toBe('swap');
      expect(await extTree(part(2), dir.path, 'target')).toEqual(
        await extTree(`${source.path}p2`, dir.path, 'source'),
      );
      expect(await sha256(source.path)).toBe(sourceHash);
    } finally {
      await target.detach();
    }
  });

  it('--new-ids gives the copy its own disk and partition GUIDs', async () => {
    const target = await blankTarget('new-ids', DISK_MIB);
    try {
      const run = await spillway(['clone', source.path, target.path, '--yes', '--new-ids']);
      expect(run.code, run.stderr).toBe(0);
      const before = (await sfdiskJson(source.path)).partitiontable;
      const after = (await sfdiskJson(target.path)).partitiontable;
      expect(after.id).not.toBe(before.id);
      expect(after.partitions.map((p) => p.uuid)).not.toEqual(before.partitions.map((p) => p.uuid));
      expect(after.partitions.map((p) => p.start)).toEqual(before.partitions.map((p) => p.start));
      const out = await sh(`sfdisk -V ${q(target.path)} 2>&1`);
      expect(out).toContain('No errors detected.');
    } finally {
      await target.detach();
    }
  });

  it('refuses the source itself, and a drive too small, before writing anything', async () => {
    const self = await spillway(['clone', source.path, source.path, '--yes']);
    expect(self.code).not.toBe(0);
    expect(self.stderr).toContain('is the drive being cloned');
    const small = await blankTarget('small', 100);
    try {
      const run = await spillway(['clone', source.path, small.path, '--yes']);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/too small: .* of data would not fit/);
      expect(await firstMiBWritten(small.path)).toBe(0);
    } finally {
      await small.detach();
    }
    expect(await sha256(source.path)).toBe(sourceHash);
  });

  it('stopped half way: the source is untouched and the target is said to be incomplete', async () => {
    // A source with enough data that the copy is still running when the stop arrives: the
    // fixture disk holds a few MiB and is copied before a stop could land.
    const bigFile = join(dir.path, 'big.img');
    const bigMount = join(dir.path, 'big-mnt');
    await sh(`truncate -s 320M ${q(bigFile)} && mkfs.ext4 -q ${q(bigFile)}`);
    await sh(`mkdir -p ${q(bigMount)} && mount ${q(bigFile)} ${q(bigMount)}`);
    try {
      await sh(`head -c 240M /dev/urandom > ${q(join(bigMount, 'data.bin'))}`);
    } finally {
      await sh(`umount ${q(bigMount)}`);
    }
    const big = await attachLoop(bigFile, { readOnly: true });
    const bigHash = await sha256(big.path);
    const target = await blankTarget('stopped', 320);
    try {
      const child = spawn(SPILLWAY, ['clone', big.path, target.path, '--yes', '--json']);
      let stdout = '';
      let stderr = '';
      let stopped = false;
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const writing = jsonEvents(stdout).some((e) => e.type === 'phase' && e.phase === 'writing');
        if (writing && !stopped) {
          stopped = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stopped).toBe(true);
      expect(code, stderr).toBe(130);
      const error = jsonEvents(stdout).find((e) => e.type === 'error')!.error as {
        message: string;
      };
      expect(error.message).toContain(`${target.path} holds an incomplete copy`);
      expect(error.message).toContain(`${big.path} was not changed`);
      expect(await sha256(big.path)).toBe(bigHash);
    } finally {
      await target.detach();
      await big.detach();
    }
  });

  it('refuses a drive with a mounted partition', async () => {
    const target = await blankTarget('mounted', 2 * DISK_MIB);
    const mountPoint = join(dir.path, 'mnt');
    try {
      await sh(`mkfs.ext4 -q ${q(target.path)}`);
      await sh(`mkdir -p ${q(mountPoint)} && mount ${q(target.path)} ${q(mountPoint)}`);
      const run = await spillway(['clone', source.path, target.path, '--yes']);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('is in use');
    } finally {
      await sh(`umount ${q(mountPoint)} || true`);
      await target.detach();
    }
  });
});
