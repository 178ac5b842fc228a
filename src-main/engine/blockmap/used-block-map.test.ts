// Planning on hand-made disks (sfdisk on plain files, no root): a table that points past the
// drive's end is distrusted and the drive read whole, never a failed backup.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { usedBlockMap } from './used-block-map.js';

const MIB = 2 ** 20;

describe('used block map on hand-made disks', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  // As the drive does: a read past its end fails (readAtOf throws a read error).
  const plan = (bytes: Buffer) =>
    usedBlockMap(
      async (p, n) => {
        if (p + n > bytes.byteLength) throw new Error(`read past the end at ${p}`);
        return bytes.subarray(p, p + n);
      },
      bytes.byteLength,
      512,
    );

  it('a device of 0 bytes: nothing to read, and it says so (not a table past its end)', async () => {
    const map = await plan(Buffer.alloc(0));
    expect(map).toMatchObject({ size: 0, read: [], partitionTable: null });
    expect(map.whole).toEqual({ cause: 'empty' });
  });

  it('reads a GPT with a FAT partition in used mode', async () => {
    const file = join(dir.path, 'gpt.img');
    await sh(
      `truncate -s 32M ${q(file)} && printf 'label: gpt\\nstart=2048, size=40960, type=uefi\\n' | sfdisk -q ${q(file)}`,
    );
    await sh(`mkfs.fat -F 16 --offset 2048 ${q(file)} 20480 >/dev/null`);
    const map = await plan(await readFile(file));
    expect(map.mode).toBe('used');
    expect(map.partitionTable?.partitions[0]).toMatchObject({ filesystem: 'fat16', mode: 'used' });
    expect(map.dontCare.length).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync('/usr/sbin/mkntfs'))(
    'reads a GPT with an NTFS partition in used mode (needs mkntfs)',
    async () => {
      const file = join(dir.path, 'ntfs-gpt.img');
      const part = join(dir.path, 'ntfs-part.img');
      await sh(
        `truncate -s 32M ${q(file)} && printf 'label: gpt\\nstart=2048, size=40960, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\\n' | sfdisk -q ${q(file)}`,
      );
      await sh(
        `truncate -s 20M ${q(part)} && mkntfs -F -Q -L Data -p 2048 ${q(part)} >/dev/null 2>&1`,
      );
      await sh(`dd if=${q(part)} of=${q(file)} bs=1M seek=1 conv=notrunc status=none`);
      const map = await plan(await readFile(file));
      expect(map.partitionTable?.partitions[0]).toMatchObject({
        filesystem: 'ntfs',
        label: 'Data',
        mode: 'used',
        typeName: 'Microsoft basic data',
      });
      expect(map.partitionTable!.partitions[0]!.usedBytes).toBeLessThan(10 * MIB);
    },
  );

  it('a GPT whose entries lie past the end: read whole, with the reason', async () => {
    const file = join(dir.path, 'bad.img');
    await sh(
      `truncate -s 8M ${q(file)} && printf 'label: gpt\\nstart=2048, size=8192\\n' | sfdisk -q ${q(file)}`,
    );
    const bytes = await readFile(file);
    // Entries at LBA 2^40, with the header's checksum made right again.
    bytes.writeBigUInt64LE(2n ** 40n, 512 + 72);
    const header = bytes.subarray(512, 512 + 92);
    header.writeUInt32LE(0, 16);
    header.writeUInt32LE(crc32(header), 16);
    await writeFile(file, bytes);
    const map = await plan(bytes);
    expect(map.mode).toBe('raw');
    expect(map.read).toEqual([[0, 8 * MIB]]);
    expect(map.whole).toEqual({
      cause: 'distrusted',
      why: expect.stringMatching(/past the end of the drive/),
    });
  });
});
