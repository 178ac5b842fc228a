// Restoring onto a larger drive: the fixture disk (GPT: ESP, ext4, swap) imaged, then
// restored onto a loop device twice its size. By default the ext4 partition grows to fill it
// and the swap moves to the end; --no-grow leaves the layout as it was. Checked with the
// standard tools: sfdisk -V, e2fsck, fsck.vfat, dumpe2fs, blkid, and the ext4 tree mounted
// read-only on both drives.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreResult } from '../../src-shared/protocol/events.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { extBytes, extTree } from '../test-support/ext-drive.js';
import { fixtureDisk } from '../test-support/fixtures.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { sfdiskJson } from '../test-support/sfdisk-table.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const DISK_MIB = 160;

type SfdiskTable = Awaited<ReturnType<typeof sfdiskJson>>['partitiontable'];

/** Mounts `device` read-only (no journal replay) at a new folder; returns its tree. */
/** sfdisk -V of a drive: clean, and nothing it warns about. */
async function tableIsClean(device: string) {
  const out = await sh(`sfdisk -V ${q(device)} 2>&1`);
  expect(out).toContain('No errors detected.');
  expect(out).not.toMatch(/warning|overlap|mismatch|corrupt|invalid/i);
}

describe.skipIf(noLoopReason)(`restore onto a larger drive (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: LoopDevice;
  let image: string;
  let before: SfdiskTable;

  beforeAll(async () => {
    dir = await tempDir();
    const disk = await fixtureDisk({ sizeMiB: DISK_MIB });
    source = await attachLoop(disk, { readOnly: true, partitions: true });
    before = (await sfdiskJson(source.path)).partitiontable;
    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', source.path, image]);
    expect(made.code, made.stderr).toBe(0);
  });

  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  /** A loop device over a new file twice the fixture's size. */
  async function largerTarget(name: string): Promise<LoopDevice> {
    const file = join(dir.path, `${name}.img`);
    await sh(`truncate -s ${2 * DISK_MIB}M ${q(file)}`);
    return attachLoop(file, { partitions: true });
  }

  async function restore(target: LoopDevice, ...flags: string[]): Promise<RestoreResult> {
    const run = await spillway(['restore', image, target.path, '--yes', '--json', ...flags]);
    expect(run.code, run.stderr).toBe(0);
    const done = jsonEvents(run.stdout).find((e) => e.type === 'done');
    return done!.result as RestoreResult;
  }

  it('grows the ext4 partition to fill the drive and moves the swap to its end', async () => {
    const target = await largerTarget('grown');
    try {
      const result = await restore(target);
      expect(result.readBack).toBe(true);
      expect(result.layout?.grown, JSON.stringify(result.layout)).toMatchObject({
        partition: 2,
        filesystem: 'ext4',
        tool: 'resize2fs',
      });
      expect(result.layout?.moved).toEqual([3]);

      await tableIsClean(target.path);
      const after = (await sfdiskJson(target.path)).partitiontable;
      expect(after.id).toBe(before.id);
      const [esp, root, swap] = after.partitions;
      expect(esp).toMatchObject({
        start: before.partitions[0]!.start,
        size: before.partitions[0]!.size,
      });
      expect(root!.start).toBe(before.partitions[1]!.start);
      expect(root!.size).toBeGreaterThan(before.partitions[1]!.size + 150 * 2048);
      // The swap ends within the last MiB before the backup table; the root reaches it.
      expect(swap!.size).toBe(before.partitions[2]!.size);
      expect(root!.start + root!.size).toBe(swap!.start);
      expect(2 * DISK_MIB * 2048 - (swap!.start + swap!.size)).toBeLessThan(2048 + 34);
      expect(after.partitions.map((p) => p.uuid)).toEqual(before.partitions.map((p) => p.uuid));

      const part = (n: number) => `${target.path}p${n}`;
      await sh(`e2fsck -fn ${q(part(2))}`);
      await sh(`fsck.vfat -n ${q(part(1))}`);
      expect(await extBytes(part(2))).toBe(root!.size * 512);
      expect(result.layout?.grown?.to).toBe(root!.size * 512);
      expect((await sh(`blkid -o value -s TYPE ${q(part(3))}`)).trim()).toBe('swap');
      expect(await extTree(part(2), dir.path, 'target-root')).toEqual(
        await extTree(`${source.path}p2`, dir.path, 'source-root'),
      );
    } finally {
      await target.detach();
    }
  });

  it('--no-grow keeps every partition where it was', async () => {
    const target = await largerTarget('kept');
    try {
      const result = await restore(target, '--no-grow');
      expect(result.layout?.grown ?? null).toBeNull();
      await tableIsClean(target.path);
      const after = (await sfdiskJson(target.path)).partitiontable;
      const place = (t: SfdiskTable) => t.partitions.map((p) => [p.start, p.size, p.uuid]);
      expect(place(after)).toEqual(place(before));
      expect(after.lastlba).toBe(2 * DISK_MIB * 2048 - 34);
      await sh(`partx -u ${q(target.path)}`);
      expect(await extBytes(`${target.path}p2`)).toBe(before.partitions[1]!.size * 512);
    } finally {
      await target.detach();
    }
  });

  it('refuses to grow a partition that holds no filesystem it can grow', async () => {
    const target = await largerTarget('swap');
    try {
      const run = await spillway(['restore', image, target.path, '--yes', '--grow', '3']);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('Partition 3 holds swap');
      // Nothing was written: the drive still reads zeros where the table would be.
      expect((await sh(`head -c 1048576 ${q(target.path)} | tr -d '\\0' | wc -c`)).trim()).toBe(
        '0',
      );
    } finally {
      await target.detach();
    }
  });
});
