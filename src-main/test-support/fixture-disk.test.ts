// The fixture disks every drive test backs up: the planned layout, and the real thing checked
// by the filesystems' own tools: the table as planned, each filesystem clean and as full as
// asked, stale data where a used drive has it (free space, a deleted file's clusters, swap),
// and the same layout and files when built again from the same seed.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFixtureDisk,
  diskLayout,
  diskRecipe,
  partitionScript,
  seededUuid,
} from './fixture-disk.js';
import { fixtureDisk } from './fixtures.js';
import { listTree } from './filesystems.js';
import { attachLoop, detachAll, type LoopDevice } from './loop-devices.js';
import { noLoopReason } from './root.js';
import { seededStream } from './seeded-bytes.js';
import { q, sh, shStatus } from './shell.js';
import { tempDir } from './temp-dir.js';

const MiB = 2 ** 20;

describe('the planned disk', () => {
  it.each([160, 1000, 4096])(
    '%i MiB: three partitions back to back, 1 MiB free at each end',
    (size) => {
      const layout = diskLayout(size);
      expect(layout.map((p) => p.role)).toEqual(['esp', 'root', 'swap']);
      expect(layout[0]!.startMiB).toBe(1);
      for (let i = 1; i < layout.length; i++) {
        expect(layout[i]!.startMiB).toBe(layout[i - 1]!.startMiB + layout[i - 1]!.sizeMiB);
      }
      const last = layout[layout.length - 1]!;
      expect(last.startMiB + last.sizeMiB).toBe(size - 1);
      expect(layout[1]!.sizeMiB).toBeGreaterThan(layout[0]!.sizeMiB);
    },
  );

  it('refuses what cannot be built, saying what is allowed', () => {
    expect(() => diskRecipe({ sizeMiB: 100 })).toThrow(/at least 160/);
    expect(() => diskRecipe({ sizeMiB: 160.5 })).toThrow(/whole number/);
    expect(() => diskRecipe({ sizeMiB: 160, fillPct: 90 })).toThrow(/10 to 85/);
    expect(diskRecipe({ sizeMiB: 160 })).toEqual({
      sizeMiB: 160,
      table: 'gpt',
      seed: 'spillway-1',
      fillPct: 40,
      prefill: 'random',
    });
  });

  it('takes every identifier from the seed', () => {
    const uuid = seededUuid('a', 'disk');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seededUuid('a', 'disk')).toBe(uuid);
    expect(seededUuid('b', 'disk')).not.toBe(uuid);
    expect(seededUuid('a', 'swap')).not.toBe(uuid);
    for (const table of ['gpt', 'mbr'] as const) {
      const script = (seed: string) =>
        partitionScript(diskRecipe({ sizeMiB: 160, table, seed }), diskLayout(160));
      expect(script('a')).toBe(script('a'));
      expect(script('a')).not.toBe(script('b'));
    }
  });

  it('gives the same pseudo-random bytes for the same seed and label, others for others', () => {
    const a = seededStream('s', 'x')(64);
    const again = seededStream('s', 'x');
    expect(Buffer.concat([again(10), again(54)])).toEqual(a);
    expect(seededStream('s', 'y')(64)).not.toEqual(a);
    expect(seededStream('t', 'x')(64)).not.toEqual(a);
  });
});

describe.skipIf(noLoopReason)(`a built fixture disk (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  let disk: LoopDevice;

  beforeAll(async () => {
    dir = await tempDir();
    image = await fixtureDisk({ sizeMiB: 160 });
    disk = await attachLoop(image, { readOnly: true, partitions: true });
  }, 300_000);
  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  const region = async (startMiB: number, bytes: number) => {
    const handle = await open(image, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      await handle.read(buffer, 0, bytes, startMiB * MiB);
      return buffer;
    } finally {
      await handle.close();
    }
  };
  const zeroShare = (bytes: Buffer) => {
    let zeros = 0;
    for (const byte of bytes) if (byte === 0) zeros++;
    return zeros / bytes.length;
  };

  it('has the planned table and three clean filesystems', async () => {
    const table = JSON.parse(await sh(`sfdisk -J ${q(image)}`)) as {
      partitiontable: { label: string; partitions: Array<{ start: number; size: number }> };
    };
    expect(table.partitiontable.label).toBe('gpt');
    expect(table.partitiontable.partitions.map((p) => [p.start, p.size])).toEqual(
      diskLayout(160).map((p) => [p.startMiB * 2048, p.sizeMiB * 2048]),
    );
    const blkid = (n: number, tag: string) => sh(`blkid -o value -s ${tag} ${q(disk.path)}p${n}`);
    expect([await blkid(1, 'TYPE'), await blkid(2, 'TYPE'), await blkid(3, 'TYPE')]).toEqual([
      'vfat\n',
      'ext4\n',
      'swap\n',
    ]);
    expect(await blkid(2, 'UUID')).toBe(`${seededUuid('spillway-1', 'root filesystem')}\n`);
    await sh(`fsck.fat -n ${q(disk.path)}p1`);
    await sh(`e2fsck -fn ${q(disk.path)}p2`);
    expect((await shStatus(`swaplabel ${q(disk.path)}p3`)).stdout).toContain('LABEL: swap');
  });

  it('fills the root filesystem about as full as asked, with real files and photos', async () => {
    const mountPoint = join(dir.path, 'root');
    await sh(`mkdir -p ${q(mountPoint)} && mount -o ro,noload ${q(disk.path)}p2 ${q(mountPoint)}`);
    try {
      const [size, used] = (await sh(`df -B1 --output=size,used ${q(mountPoint)} | tail -1`))
        .trim()
        .split(/\s+/)
        .map(Number);
      // 40 % asked; the journal and other metadata come on top.
      expect(used! / size!).toBeGreaterThan(0.38);
      expect(used! / size!).toBeLessThan(0.55);
      expect(Number(await sh(`find ${q(mountPoint)}/usr -type f | wc -l`))).toBeGreaterThan(100);
      const photos = Number(await sh(`du -sb ${q(mountPoint)}/home/user/Pictures | cut -f1`));
      expect(photos).toBeGreaterThan(0.4 * (used! / 6));
      // What was written and deleted is gone from the tree.
      expect((await shStatus(`ls ${q(mountPoint)}/var/cache/old-downloads`)).code).not.toBe(0);
    } finally {
      await sh(`umount ${q(mountPoint)}`);
    }
  });

  it('holds stale data where a used drive does: free ext4 blocks, a deleted file, swap', async () => {
    const [esp, root, swap] = diskLayout(160);
    // ext4's free blocks (by dumpe2fs), read from the image: the random bytes the region held
    // before mkfs, and the deleted files' (real files hold some zeros).
    const groups = await sh(`dumpe2fs ${q(disk.path)}p2 2>/dev/null | grep '^  Free blocks: '`);
    const extents = [...groups.matchAll(/(\d+)-(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const rootBytes = await region(root!.startMiB, root!.sizeMiB * MiB);
    const free = Buffer.concat(
      extents.map(([a, b]) => rootBytes.subarray(a! * 1024, (b! + 1) * 1024)),
    );
    expect(free.length).toBeGreaterThan(0.4 * root!.sizeMiB * MiB);
    expect(zeroShare(free)).toBeLessThan(0.2);

    // The deleted kernel's bytes are still in the ESP's clusters.
    const deletedKernel = seededStream('spillway-1', 'kernel 6.1.0-9')(4096);
    expect(
      (await region(esp!.startMiB, esp!.sizeMiB * MiB)).indexOf(deletedKernel),
    ).toBeGreaterThan(0);

    // Swap: behind its header page, old pages of real libraries (an ELF header among them).
    const pages = await region(swap!.startMiB, swap!.sizeMiB * MiB);
    expect(pages.subarray(4096, (swap!.sizeMiB * MiB) / 4).indexOf('\x7fELF')).toBeGreaterThan(0);
  });

  it('is built again the same from the same seed: table, identifiers and files', async () => {
    // Both built here, one after the other: a disk cached by an earlier run was built from
    // this machine's files as they were then (a package installed since, b3sum for one,
    // adds its files to a new build), which says nothing of the builder.
    const options = { sizeMiB: 160, table: 'mbr' as const, seed: 'again' };
    const first = join(dir.path, 'first.img');
    await buildFixtureDisk(first, options);
    const once = await attachLoop(first, { readOnly: true, partitions: true });
    const fresh = join(dir.path, 'fresh.img');
    await buildFixtureDisk(fresh, options);
    const again = await attachLoop(fresh, { readOnly: true, partitions: true });
    const summary = async (device: string) => {
      const table = (await sh(`sfdisk -d ${q(device)}`)).replaceAll(device, 'DISK');
      const ids = await sh(`blkid -o export ${q(device)}p1 ${q(device)}p2 ${q(device)}p3`);
      const mountPoint = join(dir.path, `tree-${device.slice(5)}`);
      await sh(`mkdir -p ${q(mountPoint)} && mount -o ro,noload ${q(device)}p2 ${q(mountPoint)}`);
      try {
        const fat = await sh(`MTOOLS_SKIP_CHECK=1 mdir -/ -b -i ${q(device)}p1 ::/`);
        return {
          table,
          ids: ids.replaceAll(device, 'DISK'),
          fat,
          tree: await listTree(mountPoint, true),
        };
      } finally {
        await sh(`umount ${q(mountPoint)}`);
      }
    };
    const a = await summary(once.path);
    const b = await summary(again.path);
    expect(a.table).toContain('label: dos');
    expect(b.table).toBe(a.table);
    expect(b.ids).toBe(a.ids);
    expect(b.fat).toBe(a.fat);
    expect(a.tree.split('\n').length).toBeGreaterThan(200);
    expect(b.tree).toBe(a.tree);
  }, 300_000);
});
