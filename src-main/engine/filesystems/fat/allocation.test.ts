// The FAT reader against real filesystems made by mkfs.fat and filled by mtools (no root).

import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fatUsedBounds } from '../../../test-support/fs-tools.js';
import { q, sh, shStatus } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { fatReader } from './allocation.js';

describe('FAT allocation', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  async function makeFat(name: string, bits: 12 | 16 | 32, mib: number): Promise<string> {
    const file = join(dir.path, name);
    await sh(
      `truncate -s ${mib}M ${q(file)} && mkfs.fat -F ${bits} -s ${bits === 12 ? 8 : 1} ${q(file)} >/dev/null`,
    );
    await sh(`head -c 300000 /dev/urandom > ${q(join(dir.path, 'f.bin'))}`);
    await sh(`MTOOLS_SKIP_CHECK=1 mcopy -i ${q(file)} ${q(join(dir.path, 'f.bin'))} ::/f.bin`);
    return file;
  }

  const readerOf = async (file: string) => {
    const bytes = await readFile(file);
    return fatReader.read(async (p, n) => bytes.subarray(p, p + n), bytes.byteLength);
  };

  it.each([12, 16, 32] as const)('FAT%i: in-use bytes agree with fsck.fat', async (bits) => {
    const file = await makeFat(`fat${bits}.img`, bits, bits === 32 ? 40 : 8);
    const allocation = (await readerOf(file))!;
    expect(allocation.filesystem).toBe(`fat${bits}`);
    const fat = await fatUsedBounds(file);
    const total = allocation.used.reduce((sum, [a, b]) => sum + b - a, 0);
    // Metadata + used clusters, plus the few sectors after the last whole cluster.
    expect(total).toBeGreaterThanOrEqual(fat.min);
    expect(total).toBeLessThan(fat.below);
  });

  it('a cluster only the second FAT marks as used is read', async () => {
    const file = await makeFat('mirror.img', 16, 8);
    const before = (await readerOf(file))!;
    const fsck = await shStatus(`fsck.fat -n -v ${q(file)}`);
    const fatStart = 512 * Number(/(\d+) reserved sector/.exec(fsck.stdout)?.[1] ?? 1);
    const fatBytes = Number(/(\d+) bytes per FAT/.exec(fsck.stdout)![1]);
    const dataStart = Number(/Data area starts at byte (\d+)/.exec(fsck.stdout)![1]);
    // Cluster 1000 is free; mark it "end of chain" in FAT #2 only.
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from([0xff, 0xff]), 0, 2, fatStart + fatBytes + 1000 * 2);
    await handle.close();
    const after = (await readerOf(file))!;
    const at = dataStart + (1000 - 2) * 512;
    const covers = (ranges: Array<[number, number]>) =>
      ranges.some(([a, b]) => a <= at && b >= at + 512);
    expect(covers(before.used)).toBe(false);
    expect(covers(after.used)).toBe(true);
  });
});
