// The NTFS reader against real volumes: mkntfs --quick over random bytes (stale data stays in
// free space), filled through ntfs-3g with files, directories, a fragmented file and deleted
// files. The proof that the map loses nothing: overwrite every byte it calls unused with
// other random bytes, then ntfsfix still finds the volume sound and ntfs-3g shows the same
// files with the same contents.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complement, totalLength, type ByteRange } from '../../ranges.js';
import { randomFile } from '../../../test-support/fixtures.js';
import { mountNtfs, noNtfsReason } from '../../../test-support/ntfs-mount.js';
import { q, sh, shStatus } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Distrust } from '../../read-at.js';
import type { Allocation } from '../allocation.js';
import { ntfsReader } from './allocation.js';

const MIB = 2 ** 20;
const SIZE = 64 * MIB;

const readerOf = (bytes: Buffer, size = bytes.byteLength) =>
  ntfsReader.read(async (p, n) => {
    if (p < 0 || p + n > size) throw new Distrust('a structure points outside its partition');
    return bytes.subarray(p, p + n);
  }, size);

/** Every directory and file under `root`: relative path, size and sha256 of the contents. */
async function tree(root: string, dir = ''): Promise<string[]> {
  const rows: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rows.push(`${path}/`, ...(await tree(root, path)));
    else {
      const data = await readFile(join(root, path));
      rows.push(`${path} ${data.length} ${createHash('sha256').update(data).digest('hex')}`);
    }
  }
  return rows.sort();
}

/** In-use bytes by ntfsprogs' count: in-use clusters, plus everything after the last one. */
async function ntfsprogsUsed(image: string, size: number): Promise<number> {
  const info = (await sh(`ntfsinfo -m ${q(image)}`)) + (await sh(`ntfscluster -i ${q(image)}`));
  const clusterSize = Number(/Cluster Size: (\d+)/.exec(info)![1]);
  const clusters = Number(/Volume Size in Clusters: (\d+)/.exec(info)![1]);
  const free = Number(/clusters of free space\s*: (\d+)/.exec(info)![1]);
  return (clusters - free) * clusterSize + (size - clusters * clusterSize);
}

/** A copy of `bytes` with every byte outside `used` replaced by other random bytes. */
function scramble(bytes: Buffer, used: ByteRange[]): Buffer {
  const noise = randomBytes(bytes.length);
  const copy = Buffer.from(bytes);
  for (const [a, b] of complement(used, 0, bytes.length)) noise.copy(copy, a, a, b);
  return copy;
}

describe('NTFS reader without a volume', () => {
  it('random bytes and zeros are not NTFS', async () => {
    expect(await readerOf(randomBytes(MIB))).toBeNull();
    expect(await readerOf(Buffer.alloc(MIB))).toBeNull();
  });
});

describe.skipIf(!existsSync('/usr/sbin/mkntfs'))('NTFS geometries (needs mkntfs)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('spillway-ntfs-');
  });
  afterAll(() => dir?.remove());

  // 512-byte clusters (an MFT record spans two), 4 KiB sectors, and clusters of 128 KiB and
  // 2 MiB (sectors per cluster stored as a negative power of two).
  it.each([['-c 512'], ['-s 4096 -c 4096'], ['-c 131072'], ['-c 2097152']])(
    'mkntfs %s: used bytes match ntfscluster, the rest can be overwritten',
    async (options) => {
      const image = join(dir.path, 'geometry.img');
      await randomFile(image, SIZE, `ntfs-${options}`);
      await sh(`mkntfs -F -Q ${options} ${q(image)} >/dev/null 2>&1`);
      const bytes = await readFile(image);
      const allocation = (await readerOf(bytes))!;
      expect(totalLength(allocation.used)).toBe(await ntfsprogsUsed(image, SIZE));
      await writeFile(image, scramble(bytes, allocation.used));
      const fix = await shStatus(`ntfsfix -n ${q(image)}`);
      expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    },
  );
});

describe.skipIf(noNtfsReason)(
  `NTFS allocation on real volumes${noNtfsReason ? ` (skipped: ${noNtfsReason})` : ''}`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let image: string;
    let bytes: Buffer;
    let allocation: Allocation;
    let files: string[];
    const mnt = () => join(dir.path, 'mnt');

    async function withMount<T>(
      file: string,
      readOnly: boolean,
      use: (root: string) => Promise<T>,
    ): Promise<T> {
      const mount = await mountNtfs(file, mnt(), { readOnly });
      try {
        return await use(mnt());
      } finally {
        await mount.unmount();
      }
    }

    beforeAll(async () => {
      dir = await tempDir('spillway-ntfs-');
      await mkdir(mnt());
      image = join(dir.path, 'ntfs.img');
      await randomFile(image, SIZE, 'ntfs-stale');
      await sh(`mkntfs -F -Q -L Spillway ${q(image)} >/dev/null 2>&1`);
      await withMount(image, false, async (root) => {
        await mkdir(join(root, 'docs/deep/er'), { recursive: true });
        await mkdir(join(root, 'empty'));
        await writeFile(join(root, 'big.bin'), randomBytes(6 * MIB));
        for (let i = 0; i < 40; i++) {
          await writeFile(join(root, 'docs', `f${i}.bin`), randomBytes(1000 + i * 9973));
        }
        await writeFile(join(root, 'docs/deep/er/small.txt'), 'resident in its MFT record\n');
        // Two files grown in turns: both end up in many fragments.
        for (let i = 0; i < 24; i++) {
          await appendFile(join(root, 'frag-a.bin'), randomBytes(64 * 1024));
          await appendFile(join(root, 'frag-b.bin'), randomBytes(64 * 1024));
        }
        await writeFile(join(root, 'gone.bin'), randomBytes(3 * MIB));
        for (let i = 0; i < 40; i += 3) await rm(join(root, 'docs', `f${i}.bin`));
        await rm(join(root, 'gone.bin'));
      });
      bytes = await readFile(image);
      allocation = (await readerOf(bytes))!;
      files = await withMount(image, true, tree);
    });
    afterAll(() => dir?.remove());

    it('finds the volume, its label and the serial as blkid prints it', async () => {
      const blkid = await sh(`blkid -o export ${q(image)}`);
      expect(allocation).toMatchObject({
        filesystem: 'ntfs',
        label: 'Spillway',
        uuid: /^UUID=(.*)$/m.exec(blkid)![1],
      });
      expect(files.length).toBeGreaterThan(30);
    });

    it('used bytes agree with ntfsprogs', async () => {
      const used = totalLength(allocation.used);
      const expected = await ntfsprogsUsed(image, SIZE);
      expect(used).toBeGreaterThanOrEqual(expected);
      expect(used).toBeLessThanOrEqual(expected + 512); // NT 3.51's backup boot sector spot
      // ntfsresize counts by walking every file's runs (in MB, rounded up).
      const resize = await sh(`ntfsresize --info --force --no-action ${q(image)}`);
      const inUseMB = Number(/Space in use\s*: (\d+) MB/.exec(resize)![1]);
      expect(Math.abs(used / 1e6 - inUseMB)).toBeLessThan(1.5);
      expect(used).toBeGreaterThan(9 * MIB);
      expect(used).toBeLessThan(SIZE / 2);
    });

    it('every byte it calls unused can be overwritten: ntfsfix and the files do not change', async () => {
      const scrambled = scramble(bytes, allocation.used);
      expect(totalLength(complement(allocation.used, 0, SIZE))).toBeGreaterThan(SIZE / 2);
      const copy = join(dir.path, 'scrambled.img');
      await writeFile(copy, scrambled);
      const fix = await shStatus(`ntfsfix -n ${q(copy)}`);
      expect(fix.code, fix.stdout + fix.stderr).toBe(0);
      expect(await withMount(copy, true, tree)).toEqual(files);

      // The check can fail: scrambling the first used range past $Boot (the MFT) is caught.
      const [mftStart, mftEnd] = allocation.used.find(([a]) => a >= 8192)!;
      randomBytes(mftEnd - mftStart).copy(scrambled, mftStart);
      await writeFile(copy, scrambled);
      expect((await shStatus(`ntfsfix -n ${q(copy)}`)).code).not.toBe(0);
    });

    it('a volume ntfsresize marked dirty is distrusted until ntfsfix clears the flag', async () => {
      const copy = join(dir.path, 'dirty.img');
      await writeFile(copy, bytes);
      await sh(`ntfsresize --force --force --size 48M ${q(copy)} >/dev/null 2>&1`);
      await expect(readerOf(await readFile(copy))).rejects.toThrow(/dirty/);
      await sh(`ntfsfix --clear-dirty ${q(copy)} >/dev/null`);
      const after = (await readerOf(await readFile(copy)))!;
      // Shrunk to 48M: everything past it is kept.
      const [lastStart, lastEnd] = after.used[after.used.length - 1]!;
      expect(lastStart).toBeLessThanOrEqual(48 * MIB);
      expect(lastEnd).toBe(SIZE);
    });

    it('a torn MFT record (update sequence mismatch) is distrusted', async () => {
      const mftLcn = Number(bytes.readBigUInt64LE(0x30));
      const clusterSize = bytes.readUInt16LE(0x0b) * bytes[0x0d]!;
      const torn = Buffer.from(bytes);
      // Record 6 ($Bitmap), the end of its first 512-byte block.
      const at = mftLcn * clusterSize + 6 * 1024 + 510;
      torn.writeUInt16LE(torn.readUInt16LE(at) ^ 0x5a5a, at);
      await expect(readerOf(torn)).rejects.toThrow(/update sequence mismatch/);
    });

    it('a volume larger than its partition is distrusted', async () => {
      await expect(readerOf(bytes, SIZE - MIB)).rejects.toThrow(/larger than its partition/);
    });

    it('a journal left open (restart area without the clean flag) is distrusted', async () => {
      const info = await sh(`ntfsinfo -i 2 -v ${q(image)}`);
      const [, lcnHex] = /Runlist:.*\n\s*0x0\s+0x([0-9a-f]+)/i.exec(info)!;
      const clusterSize = bytes.readUInt16LE(0x0b) * bytes[0x0d]!;
      const logAt = parseInt(lcnHex!, 16) * clusterSize;
      const logSize = Number(/Data size:\s*(\d+)/.exec(info.slice(info.indexOf('$DATA')))![1]);
      const withJournal = (clean: boolean) => {
        const copy = Buffer.from(bytes);
        for (const pos of [0, 4096]) {
          restartPage(logSize, clean).copy(copy, logAt + pos);
        }
        return copy;
      };
      await expect(readerOf(withJournal(false))).rejects.toThrow(/needs recovery/);
      expect(await readerOf(withJournal(true))).toMatchObject({ filesystem: 'ntfs' });
      // ntfs-3g agrees: told not to recover a journal (empty it), it mounts the open one
      // read-only only, the closed one read-write.
      for (const clean of [false, true]) {
        const copy = join(dir.path, 'journal.img');
        await writeFile(copy, withJournal(clean));
        const mount = await mountNtfs(copy, mnt(), { extra: ['norecover'] });
        try {
          expect(mount.options[0]).toBe(clean ? 'rw' : 'ro');
        } finally {
          await mount.unmount();
        }
      }
    });
  },
);

/**
 * A $LogFile restart page (version 1.1, 4 KiB) with one client, "NTFS", in use, as Windows
 * leaves it while the volume is mounted; `clean` sets the restart area's clean flag.
 */
function restartPage(logSize: number, clean: boolean): Buffer {
  const page = Buffer.alloc(4096);
  page.write('RSTR', 0, 'latin1');
  page.writeUInt16LE(0x1e, 4); // update sequence array offset
  page.writeUInt16LE(9, 6); // 1 + 4096 / 512
  page.writeUInt32LE(4096, 0x10); // system page size
  page.writeUInt32LE(4096, 0x14); // log page size
  page.writeUInt16LE(0x30, 0x18); // restart area offset
  page.writeInt16LE(1, 0x1a); // minor version
  page.writeInt16LE(1, 0x1c); // major version
  const ra = 0x30;
  page.writeBigUInt64LE(0x100000n, ra); // current LSN
  page.writeUInt16LE(1, ra + 0x08); // log clients
  page.writeUInt16LE(0xffff, ra + 0x0a); // free list: none
  page.writeUInt16LE(0, ra + 0x0c); // in-use list: client 0
  page.writeUInt16LE(clean ? 2 : 0, ra + 0x0e);
  // Sequence number bits: 67 minus the bit length of the journal's size (as checked).
  page.writeUInt32LE(67 - logSize.toString(2).length, ra + 0x10);
  page.writeUInt16LE(0x30 + 0xa0, ra + 0x14); // restart area length (with the client array)
  page.writeUInt16LE(0x30, ra + 0x16); // client array offset
  page.writeBigInt64LE(BigInt(logSize), ra + 0x18);
  page.writeUInt16LE(0x30, ra + 0x24); // log record header length
  page.writeUInt16LE(0x40, ra + 0x26); // log page data offset
  const client = ra + 0x30;
  page.writeUInt16LE(0xffff, client + 0x10); // previous
  page.writeUInt16LE(0xffff, client + 0x12); // next
  page.writeUInt32LE(8, client + 0x1c); // name length in bytes
  page.write('NTFS', client + 0x20, 'utf16le');
  // Update sequence: the last two bytes of each 512-byte block are saved and replaced.
  const usn = 1;
  page.writeUInt16LE(usn, 0x1e);
  for (let i = 1; i <= 8; i++) {
    page.writeUInt16LE(page.readUInt16LE(i * 512 - 2), 0x1e + i * 2);
    page.writeUInt16LE(usn, i * 512 - 2);
  }
  return page;
}
