// The ext reader's caution, on real filesystems made by mke2fs from a folder and changed with
// debugfs (no root, no mount): what it must not trust makes it refuse, and a flag the kernel
// itself would ignore is ignored.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extUsedBytes } from '../../../test-support/fs-tools.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Distrust } from '../../read-at.js';
import { extReader } from './allocation.js';

describe('ext allocation', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
    await sh(`mkdir ${q(dir.path)}/tree && head -c 6000000 /dev/urandom > ${q(dir.path)}/tree/big`);
  });
  afterAll(() => dir?.remove());

  /** A 1k-block ext4 of 16 MiB (two block groups), holding a 6 MB file. */
  async function makeExt(name: string, features: string): Promise<string> {
    const file = join(dir.path, name);
    await sh(
      `truncate -s 16M ${q(file)} && mkfs.ext4 -q -F -b 1024 -O ${features} ` +
        `-d ${q(dir.path)}/tree ${q(file)}`,
    );
    return file;
  }

  const readerOf = async (file: string) => {
    const bytes = await readFile(file);
    return extReader.read(async (p, n) => bytes.subarray(p, p + n), bytes.byteLength);
  };
  const usedBytes = (ranges: Array<[number, number]>) =>
    ranges.reduce((sum, [a, b]) => sum + b - a, 0);

  it('a journal that needs recovery is not trusted', async () => {
    const file = await makeExt('recover.img', '^metadata_csum');
    expect((await readerOf(file))?.filesystem).toBe('ext4');
    await sh(`debugfs -w -R 'feature needs_recovery' ${q(file)} 2>/dev/null`);
    await expect(readerOf(file)).rejects.toThrow(Distrust);
    await expect(readerOf(file)).rejects.toThrow(/journal needs recovery/);
  });

  it('BLOCK_UNINIT on a filesystem without descriptor checksums is ignored, as the kernel does', async () => {
    const file = await makeExt('uninit.img', '^metadata_csum,^uninit_bg');
    const before = (await readerOf(file))!;
    expect(usedBytes(before.used)).toBeGreaterThanOrEqual(await extUsedBytes(file));
    // Group 1 holds part of the 6 MB file; flag its bitmap as never initialised.
    await sh(`debugfs -w -R 'set_bg 1 flags 2' ${q(file)} 2>/dev/null`);
    expect((await readerOf(file))!.used).toEqual(before.used);
  });

  it('with descriptor checksums, BLOCK_UNINIT groups count only their metadata', async () => {
    const file = await makeExt('csum.img', 'metadata_csum');
    const allocation = (await readerOf(file))!;
    expect(usedBytes(allocation.used)).toBe(await extUsedBytes(file));
  });

  it('a buffer without the ext magic is not ext', async () => {
    const bytes = Buffer.alloc(64 * 1024, 0x5a);
    expect(await extReader.read(async (p, n) => bytes.subarray(p, p + n), bytes.length)).toBe(null);
  });
});
