// Used-blocks mode across every filesystem it reads, on an MBR disk (logical partitions in an
// extended one) and a GPT disk: each partition made by the real mkfs over stale random bytes,
// filled with real files through its real driver, some deleted. Backed up in used mode,
// restored onto a drive full of other random bytes: every filesystem's own checker is
// satisfied and every file tree is identical to the source's. And without restoring: each
// partition's files extracted from the image (`spillway extract IMAGE N:/`) are the files its
// driver shows.

import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, Partition } from '../../src-shared/manifest.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import {
  diskMiB,
  FILESYSTEMS,
  listTree,
  makeFileTree,
  partitionIndex,
  sfdiskScript,
} from '../test-support/filesystems.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { extUsedBytes, fatUsedBounds } from '../test-support/fs-tools.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;
const SIZE = diskMiB(FILESYSTEMS) * MIB;

describe.skipIf(noLoopReason)(`used blocks on every filesystem (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let files: string;

  beforeAll(async () => {
    dir = await tempDir();
    files = join(dir.path, 'files');
    await makeFileTree(files);
  });

  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  describe.each(['mbr', 'gpt'] as const)('%s disk', (table) => {
    let source: LoopDevice;
    let restored: LoopDevice;
    let manifest: Manifest;
    let image: string;
    const node = (device: LoopDevice, i: number) => `${device.path}p${partitionIndex(table, i)}`;
    const row = (i: number): Partition =>
      manifest.partitionTable!.partitions.find((p) => p.index === partitionIndex(table, i))!;

    beforeAll(async () => {
      // The source: stale random bytes everywhere, then the table, mkfs and files.
      const disk = join(dir.path, `${table}-source.img`);
      await randomFile(disk, SIZE, `matrix-${table}-stale`);
      await sh(`sfdisk -q ${q(disk)} <<'EOF'\n${sfdiskScript(table, FILESYSTEMS)}EOF`);
      const writable = await attachLoop(disk, { partitions: true });
      for (const [i, kind] of FILESYSTEMS.entries()) {
        await kind.make(node(writable, i));
        await kind.fill(node(writable, i), files, dir.path);
      }
      await writable.detach();
      source = await attachLoop(disk, { readOnly: true, partitions: true });

      image = join(dir.path, `${table}.img.zst`);
      const made = await spillway(['backup', source.path, image, '--mode', 'used']);
      expect(made.code, made.stderr).toBe(0);
      const info = jsonEvents((await spillway(['inspect', image, '--json'])).stdout)[0]!;
      manifest = info['manifest'] as Manifest;

      const target = join(dir.path, `${table}-target.img`);
      await randomFile(target, SIZE, `matrix-${table}-target`);
      const writer = await attachLoop(target);
      const restore = await spillway(['restore', image, writer.path, '--yes']);
      expect(restore.code, restore.stderr).toBe(0);
      expect(restore.stderr).toMatch(/read back and compared: identical/);
      await writer.detach();
      restored = await attachLoop(target, { readOnly: true, partitions: true });
    }, 300_000);

    it('recognises every filesystem and reads only what each one uses', () => {
      expect(manifest.partitionTable?.type).toBe(table);
      for (const [i, kind] of FILESYSTEMS.entries()) {
        const p = row(i);
        expect({ kind: kind.name, filesystem: p.filesystem, mode: p.mode, why: p.reason }).toEqual({
          kind: kind.name,
          filesystem: kind.filesystem,
          mode: 'used',
          why: undefined,
        });
        // Every partition holds ~8 MiB of files or less; the rest must have been skipped.
        expect(p.usedBytes!, kind.name).toBeLessThan(p.size * 0.75);
      }
      if (table === 'mbr') {
        expect(manifest.partitionTable!.partitions.find((p) => p.index === 4)).toMatchObject({
          mode: 'raw',
          reason: expect.stringMatching(/extended/) as unknown,
        });
      }
    });

    it('agrees with dumpe2fs and fsck.fat about what is in use', async () => {
      for (const [i, kind] of FILESYSTEMS.entries()) {
        const used = row(i).usedBytes!;
        if (kind.filesystem.startsWith('ext')) {
          // Exactly: never-initialised groups count what the kernel would put in their bitmap.
          expect(used, kind.name).toBe(await extUsedBytes(node(source, i)));
        }
        if (kind.filesystem.startsWith('fat')) {
          const fat = await fatUsedBounds(node(source, i));
          expect(used, kind.name).toBeGreaterThanOrEqual(fat.min);
          expect(used, kind.name).toBeLessThan(fat.below);
        }
      }
    });

    it.each(FILESYSTEMS.map((kind, i) => [kind.name, i] as const))(
      '%s: restored over other bytes, its checker is satisfied and the files are the same',
      async (_name, i) => {
        const kind = FILESYSTEMS[i]!;
        await kind.check(node(restored, i));
        const before = await kind.tree(node(source, i), dir.path);
        if (kind.filesystem !== 'swap') expect(before).toContain('photos/two.jpg');
        expect(before).not.toContain('rm-big');
        expect(await kind.tree(node(restored, i), dir.path)).toBe(before);
      },
      60_000,
    );

    it.each(
      FILESYSTEMS.map((kind, i) => [kind.name, i] as const).filter(
        ([, i]) => FILESYSTEMS[i]!.filesystem !== 'swap',
      ),
    )(
      '%s: its files extracted from the image are the files its driver shows',
      async (_name, i) => {
        const kind = FILESYSTEMS[i]!;
        const out = await mkdtemp(join(dir.path, 'extract-'));
        const copied = await spillway([
          'extract',
          image,
          `${partitionIndex(table, i)}:/`,
          out,
          '--json',
        ]);
        expect(copied.code, copied.stderr).toBe(0);
        const modes = kind.filesystem.startsWith('ext');
        // A folder's size is its own filesystem's business, and the folder copied into keeps
        // its own mode: compared without them.
        expect(foldersWithoutSize(await listTree(out, modes))).toBe(
          foldersWithoutSize(await kind.tree(node(source, i), dir.path)),
        );
      },
      60_000,
    );
  });
});

/** listTree's text without the size of any folder, nor the line of the top folder itself. */
function foldersWithoutSize(tree: string): string {
  return tree.replace(/^d \. .*\n/m, '').replace(/^d (\S+) \d+/gm, 'd $1');
}
