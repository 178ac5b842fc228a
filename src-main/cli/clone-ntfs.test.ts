// `spillway clone` of an MBR disk with logical partitions onto a drive twice its size: a FAT16
// primary, then an extended partition holding NTFS and swap. The NTFS (logical) partition
// grows with its extended one (ntfsresize), the swap moves to the end with its EBR, and the
// FAT volume stays where it was. Checked with sfdisk -V, ntfsresize --info, fsck.vfat, blkid
// and the NTFS tree through ntfs-3g on both drives.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneResult } from '../../src-shared/protocol/events.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { treeFromKernel } from '../test-support/compare-tree.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { mountNtfs, noNtfsReason } from '../test-support/ntfs-mount.js';
import { noLoopReason } from '../test-support/root.js';
import { sfdiskJson } from '../test-support/sfdisk-table.js';
import { q, run, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const DISK_MIB = 160;
const skip = noLoopReason ?? noNtfsReason;

async function ntfsTree(device: string, dir: string) {
  await mkdir(dir, { recursive: true });
  const mount = await mountNtfs(device, dir, { readOnly: true });
  try {
    return await treeFromKernel(dir);
  } finally {
    await mount.unmount();
  }
}

describe.skipIf(skip)(
  `clone of an MBR disk with NTFS in a logical partition (${skip ?? 'root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let source: LoopDevice;

    beforeAll(async () => {
      dir = await tempDir();
      const file = join(dir.path, 'mbr.img');
      await sh(`truncate -s ${DISK_MIB}M ${q(file)}`);
      await run('sfdisk', ['--quiet', file], {
        input: [
          'label: dos',
          'unit: sectors',
          'start=2048, size=40960, type=e',
          'start=43008, size=280576, type=5',
          'start=45056, size=235520, type=7',
          'start=282624, size=32768, type=82',
          '',
        ].join('\n'),
      });
      const writable = await attachLoop(file, { partitions: true });
      try {
        await sh(`mkfs.vfat -F 16 -h 2048 ${q(writable.path + 'p1')} >/dev/null`);
        await sh(`mkfs.ntfs -Q -F -p 45056 -L data ${q(writable.path + 'p5')} >/dev/null`);
        await sh(`mkswap ${q(writable.path + 'p6')} >/dev/null`);
        const mnt = join(dir.path, 'fill');
        await mkdir(mnt);
        const mount = await mountNtfs(writable.path + 'p5', mnt);
        try {
          await sh(`cp -r /usr/share/doc/bash ${q(mnt)}/ && mkdir ${q(mnt)}/photos`);
          await sh(`head -c 20000000 /dev/urandom > ${q(mnt)}/photos/one.jpg`);
        } finally {
          await mount.unmount();
        }
      } finally {
        await writable.detach();
      }
      source = await attachLoop(file, { readOnly: true, partitions: true });
    });

    afterAll(async () => {
      detachAll();
      await dir?.remove();
    });

    it('grows the NTFS partition with its extended one and moves the swap to the end', async () => {
      const targetFile = join(dir.path, 'target.img');
      await sh(`truncate -s ${2 * DISK_MIB}M ${q(targetFile)}`);
      const target = await attachLoop(targetFile, { partitions: true });
      try {
        const cloned = await spillway(['clone', source.path, target.path, '--yes', '--json']);
        expect(cloned.code, cloned.stderr).toBe(0);
        const result = jsonEvents(cloned.stdout).find((e) => e.type === 'done')!
          .result as CloneResult;
        expect(result.layout?.grown, JSON.stringify(result.layout)).toMatchObject({
          partition: 5,
          filesystem: 'ntfs',
          tool: 'ntfsresize',
        });
        expect(result.layout?.moved).toEqual([6]);

        const verified = await sh(`sfdisk -V ${q(target.path)} 2>&1`);
        expect(verified).toContain('No errors detected.');
        const before = (await sfdiskJson(source.path)).partitiontable;
        const after = (await sfdiskJson(target.path)).partitiontable;
        const at = (t: typeof before, n: string) => t.partitions.find((p) => p.node.endsWith(n))!;
        expect(at(after, 'p1')).toMatchObject({
          start: at(before, 'p1').start,
          size: at(before, 'p1').size,
        });
        const ntfs = at(after, 'p5');
        const swap = at(after, 'p6');
        const extended = at(after, 'p2');
        expect(ntfs.size).toBeGreaterThan(at(before, 'p5').size + 150 * 2048);
        const tail = (t: typeof before) =>
          at(t, 'p2').start + at(t, 'p2').size - (at(t, 'p6').start + at(t, 'p6').size);
        // The swap moved with the extended partition's end, which reaches the drive's last MiB.
        expect(tail(after)).toBe(tail(before));
        expect(2 * DISK_MIB * 2048 - (extended.start + extended.size)).toBeLessThanOrEqual(2048);
        expect(swap.size).toBe(at(before, 'p6').size);

        const part = (n: number) => `${target.path}p${n}`;
        // ntfsresize reads the volume's size: it fills the grown partition (less its backup
        // boot sector).
        const info = await sh(`ntfsresize --info --force --no-progress-bar ${q(part(5))}`);
        const volume = Number(/Current volume size: (\d+) bytes/.exec(info)![1]);
        expect(volume).toBeGreaterThan(ntfs.size * 512 - 4096 * 2);
        await sh(`fsck.vfat -n ${q(part(1))}`);
        expect((await sh(`blkid -o value -s TYPE ${q(part(6))}`)).trim()).toBe('swap');
        expect(await ntfsTree(part(5), join(dir.path, 'target-mnt'))).toEqual(
          await ntfsTree(`${source.path}p5`, join(dir.path, 'source-mnt')),
        );
      } finally {
        await target.detach();
      }
    });
  },
);
