// Browsing images of real ext4 filesystems (made by mkfs.ext4, filled from a folder), backed up
// by the engine: what listing and reading cost in frames decoded, counted frame by frame on a
// 4 GiB disk; a filesystem on the whole disk; a disk with two partitions; a plain .img.

import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extAt, fileBlocks, makeExtDisk } from '../../test-support/ext-disk.js';
import { randomFile } from '../../test-support/fixtures.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { backup } from '../backup/backup.js';
import { browsePath } from '../filesystems/browse.js';
import { quietContext } from '../jobs/job-context.js';
import { CodecPool } from '../pool/codec-pool.js';
import { findNames } from './find-names.js';
import { ImageBrowser } from './image-browser.js';
import { listImageFolder } from './list-folder.js';

const MIB = 2 ** 20;
const FRAME = 4 * MIB;

async function sha256(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

describe('browsing an image', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let files: string;
  let pool: CodecPool;

  async function imageOf(disk: string): Promise<string> {
    const image = `${disk}.zst`;
    await backup({ source: disk, destination: image, threads: 2, spill: false }, quietContext());
    return image;
  }

  beforeAll(async () => {
    dir = await tempDir();
    files = join(dir.path, 'files');
    await mkdir(join(files, 'docs', 'old'), { recursive: true });
    await randomFile(join(files, 'docs', 'one.bin'), MIB, 'one');
    for (let i = 1; i <= 50; i++) await writeFile(join(files, 'docs', `note ${i}.txt`), `${i}\n`);
    await writeFile(join(files, 'docs', 'old', 'Ünïcødé.TXT'), 'old');
    await symlink('docs/one.bin', join(files, 'link'));
    pool = new CodecPool(2);
  });

  afterAll(async () => {
    await pool?.close();
    await dir?.remove();
  });

  it('a 4 GiB disk: listing decodes a few frames, a 1 MiB file only the frames holding it', async () => {
    const disk = join(dir.path, 'big.img');
    await makeExtDisk(disk, 4096, [{ sizeMiB: 4094, files, label: 'files' }]);
    const image = await imageOf(disk);
    const decoded: number[] = [];
    const browser = await ImageBrowser.open(image, {
      pool,
      onFrameDecoded: (index) => decoded.push(index),
    });
    try {
      const { stats } = browser.reader;
      expect(browser.reader.size).toBe(4096 * MIB);
      const layout = await browser.layout();
      expect(layout.table).toBe('gpt');
      expect(layout.partitions).toMatchObject([
        { index: 1, filesystem: 'ext4', label: 'files', browsable: true, size: 4094 * MIB },
      ]);
      const root = await listImageFolder(browser, 1, '/');
      expect(root.entries.map((e) => e.name).sort()).toEqual(['docs', 'link', 'lost+found']);
      expect(root.entries.find((e) => e.name === 'link')).toMatchObject({
        kind: 'symlink',
        target: 'docs/one.bin',
      });
      // The table, the superblock and descriptors, the root's inode and folder block: a few
      // frames of 1024, and a few reads.
      expect(stats.framesDecoded).toBeLessThanOrEqual(3);
      expect(stats.reads).toBeLessThanOrEqual(12);

      const docs = await listImageFolder(browser, 1, '/docs');
      expect(docs.entries).toHaveLength(52);
      const where = await browser.partition(1);
      const file = await browsePath(where.tree, '/docs/one.bin');
      const before = new Set(decoded);
      const bytes = await sha256(where.tree.read(file));
      expect(bytes).toBe(
        createHash('sha256')
          .update(await readFile(join(files, 'docs', 'one.bin')))
          .digest('hex'),
      );
      // The frames that hold the file's blocks, by debugfs.
      const start = where.partition.start;
      const holding = new Set(
        (await fileBlocks(extAt(disk, 1), '/docs/one.bin')).map((block) =>
          Math.floor((start + block * 4096) / FRAME),
        ),
      );
      expect(holding.size).toBeGreaterThan(0);
      const now = decoded.filter((index) => !before.has(index));
      for (const index of now) expect(holding.has(index), `frame ${index}`).toBe(true);
      for (const index of holding) expect(before.has(index) || now.includes(index)).toBe(true);
      expect(decoded.length).toBe(new Set(decoded).size);
      expect(decoded.length).toBeLessThan(10);
    } finally {
      await browser.close();
    }
  });

  it('a filesystem on the whole disk is partition 1, and paths need no number', async () => {
    const disk = join(dir.path, 'whole.img');
    await makeExtDisk(disk, 64, [{ sizeMiB: 64, files, label: 'whole' }], { whole: true });
    const browser = await ImageBrowser.open(await imageOf(disk), { pool });
    try {
      const layout = await browser.layout();
      expect(layout.table).toBeNull();
      expect(layout.partitions).toMatchObject([
        { index: 1, start: 0, type: 'none', filesystem: 'ext4', label: 'whole', browsable: true },
      ]);
      const unnumbered = await listImageFolder(browser, null, '/docs/old');
      expect(unnumbered).toMatchObject({ partition: 1, path: '/docs/old', kind: 'folder' });
      expect(unnumbered.entries.map((e) => e.name)).toEqual(['Ünïcødé.TXT']);
      const file = await listImageFolder(browser, 1, '/docs/note 7.txt');
      expect(file).toMatchObject({ kind: 'file', entries: [{ name: 'note 7.txt', size: 2 }] });
      await expect(listImageFolder(browser, 1, '/nope')).rejects.toMatchObject({
        code: 'not-found',
        message: '1:/nope: no such file or folder.',
      });
      await expect(listImageFolder(browser, 2, '/')).rejects.toMatchObject({
        code: 'not-found',
        message: expect.stringMatching(/has no partition 2 \(it has 1\)/),
      });
    } finally {
      await browser.close();
    }
  });

  it('two partitions: a path must say which; find matches names, exactly on ext', async () => {
    const disk = join(dir.path, 'two.img');
    await makeExtDisk(disk, 100, [
      { sizeMiB: 40, files, label: 'first' },
      { sizeMiB: 40, files, label: 'second', mkfs: '-b 1024' },
    ]);
    const browser = await ImageBrowser.open(await imageOf(disk), { pool });
    try {
      const layout = await browser.layout();
      expect(layout.partitions.map((p) => [p.index, p.label, p.start])).toEqual([
        [1, 'first', MIB],
        [2, 'second', 41 * MIB],
      ]);
      await expect(listImageFolder(browser, null, '/')).rejects.toMatchObject({
        code: 'usage',
        message: expect.stringMatching(/holds files in 2 partitions \(1, 2\): say which one/),
      });
      const found: string[] = [];
      for await (const hit of findNames(await browser.partition(2), 'note 1?.txt')) {
        if (hit.type === 'match') found.push(hit.path);
      }
      expect(found.sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `/docs/note 1${i}.txt`).sort(),
      );
      const upper: string[] = [];
      for await (const hit of findNames(await browser.partition(1), '*.txt')) {
        if (hit.type === 'match' && hit.path.startsWith('/docs/old')) upper.push(hit.path);
      }
      // ext names are case-sensitive: "*.txt" does not match "Ünïcødé.TXT".
      expect(upper).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('a plain .img: the partition table and the used bytes from the image itself', async () => {
    const disk = join(dir.path, 'plain.img');
    await makeExtDisk(disk, 64, [{ sizeMiB: 60, files, label: 'plain' }]);
    const browser = await ImageBrowser.open(disk);
    try {
      const layout = await browser.layout();
      expect(layout.partitions).toMatchObject([
        { index: 1, filesystem: 'ext4', label: 'plain', browsable: true },
      ]);
      // No manifest: the ext allocation reader counts the blocks in use.
      expect(layout.partitions[0]!.usedBytes).toBeGreaterThan(MIB);
      expect(layout.partitions[0]!.usedBytes).toBeLessThan(20 * MIB);
      expect(browser.reader.stats.framesDecoded).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
