// The ext browse reader on damaged and unusual filesystems, made by mke2fs from a folder and
// changed byte by byte (debugfs says where things are): no root, no mount. A damaged inode,
// extent tree or folder is a BrowseError for that entry, and everything else reads as before;
// what cannot be read at all is refused at open, with the reason.

import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  treeDifferences,
  treeFromBrowser,
  treeFromKernel,
  type TreeRecord,
} from '../../../test-support/compare-tree.js';
import { openFileReadAt } from '../../../test-support/file-read-at.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { BrowseError, browsePath, type FilesystemTree } from '../browse.js';
import { extBrowseReader } from './browse.js';

describe('ext browse reader, damaged and unusual filesystems', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  let sourceTree: TreeRecord[];
  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'source');
    await sh(
      [
        `mkdir -p ${q(source)}/a ${q(source)}/b ${q(source)}/c/d && cd ${q(source)}`,
        `printf 'hello' > a/hello.txt && head -c 5000 /dev/urandom > a/five-k.bin`,
        // 100 separate blocks: an extent tree of depth 1 (1 KiB blocks).
        `python3 -c "
import os
fd = os.open('a/fragmented.bin', os.O_WRONLY | os.O_CREAT, 0o644)
for i in range(100):
    os.pwrite(fd, os.urandom(1024), i * 4096)
os.close(fd)"`,
        // Enough names for several folder blocks.
        `for i in $(seq 1 200); do printf "$i" > b/file-number-$i.txt; done`,
        `printf 'deep' > c/d/deep.txt && ln -s a/hello.txt link && ln -s ${q('x/'.repeat(40))} long-link`,
        `head -c 300000 /dev/urandom > top.bin && chmod 640 top.bin`,
      ].join(' && '),
    );
    sourceTree = await treeFromKernel(source);
  });
  afterAll(() => dir?.remove());

  // mke2fs -d keeps whole seconds of modification times; lost+found is the filesystem's own.
  const fromSource = { mtimeToleranceMs: 1000, ignore: (path: string) => path === '/lost+found' };

  async function makeImage(name: string, mkfs: string, sizeMiB = 8): Promise<string> {
    const image = join(dir.path, name);
    await sh(`truncate -s ${sizeMiB}M ${q(image)} && ${mkfs} -q -F -d ${q(source)} ${q(image)}`);
    return image;
  }

  const debugfs = (image: string, command: string) =>
    sh(`debugfs -R ${q(command)} ${q(image)} 2>/dev/null`);

  async function blockSize(image: string): Promise<number> {
    return Number(/Block size: +(\d+)/.exec(await sh(`dumpe2fs -h ${q(image)} 2>/dev/null`))![1]);
  }

  /** Byte offset of the inode of `path` in the image. */
  async function inodeAt(image: string, path: string): Promise<number> {
    const found = /located at block (\d+), offset 0x([0-9a-f]+)/.exec(
      await debugfs(image, `imap ${path}`),
    )!;
    return Number(found[1]) * (await blockSize(image)) + parseInt(found[2]!, 16);
  }

  async function copyWith(image: string, name: string, patches: Array<[number, Buffer]>) {
    const copy = join(dir.path, name);
    await sh(`cp --sparse=always ${q(image)} ${q(copy)}`);
    const handle = await openFile(copy, 'r+');
    try {
      for (const [at, bytes] of patches) await handle.write(bytes, 0, bytes.length, at);
    } finally {
      await handle.close();
    }
    return copy;
  }

  async function browse<T>(image: string, use: (tree: FilesystemTree) => Promise<T>): Promise<T> {
    const file = await openFileReadAt(image);
    try {
      const tree = await extBrowseReader.open(file.read, file.size);
      if (!tree) throw new Error(`${image} is not ext`);
      return await use(tree);
    } finally {
      await file.close();
    }
  }

  /** The whole tree, every BrowseError met on the way kept with its path. */
  async function walk(image: string) {
    const errors: Array<[string, BrowseError]> = [];
    const records = await browse(image, (tree) =>
      treeFromBrowser(tree, { onBrowseError: (path, error) => errors.push([path, error]) }),
    );
    return { records, errors };
  }

  const u16 = (value: number) => Buffer.from([value & 0xff, value >> 8]);
  const u32 = (value: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    return b;
  };

  let image: string;
  let intact: TreeRecord[];
  it('reads the intact filesystem as the folder it was made from', async () => {
    image = await makeImage('intact.img', 'mkfs.ext4 -b 1024');
    intact = (await walk(image)).records;
    expect(treeDifferences(sourceTree, intact, fromSource)).toEqual([]);
    expect(await debugfs(image, 'ex /a/fragmented.bin')).toMatch(/^ *0\/ *1 /m);
  });

  it('a file whose extent header is overwritten is an error; the rest reads as before', async () => {
    const at = (await inodeAt(image, '/a/five-k.bin')) + 0x28;
    const copy = await copyWith(image, 'extent-header.img', [[at, Buffer.alloc(12, 0x41)]]);
    const { records, errors } = await walk(copy);
    expect(errors.map(([path, e]) => [path, e.problem, e.reason])).toEqual([
      ['/a/five-k.bin', 'damaged', 'its extent tree is not an extent node'],
    ]);
    expect(treeDifferences(intact, records)).toEqual([
      `/a/five-k.bin: sha256 ${JSON.stringify(intact.find((r) => r.path === '/a/five-k.bin')!.sha256)} ≠ null`,
    ]);
  });

  it('a folder block overwritten with noise is an error for that folder only', async () => {
    const block = Number((await debugfs(image, 'blocks /c')).trim().split(/\s+/)[0]);
    const noise = Buffer.alloc(64, 0xa7);
    const copy = await copyWith(image, 'folder-noise.img', [[block * 1024, noise]]);
    const { records, errors } = await walk(copy);
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe('/c');
    expect(errors[0]![1].reason).toMatch(/impossible length/);
    expect(treeDifferences(intact, records)).toEqual(['/c/d: missing', '/c/d/deep.txt: missing']);
  });

  it('a folder record of length 0 (a naive reader would loop) is an error', async () => {
    const blocks = (await debugfs(image, 'blocks /b')).trim().split(/\s+/).map(Number);
    expect(blocks.length).toBeGreaterThan(2);
    // The second block's first record: length 0.
    const copy = await copyWith(image, 'zero-length.img', [[blocks[1]! * 1024 + 4, u16(0)]]);
    const { errors } = await walk(copy);
    expect(errors.map(([path, e]) => [path, e.reason])).toEqual([
      ['/b', 'a record at byte 0 of a block has an impossible length'],
    ]);
  });

  it('an extent tree that points back up is an error, not a loop', async () => {
    // Root (in the inode) made depth 2; its one child made depth 1 with an index to itself.
    const inode = await inodeAt(image, '/a/fragmented.bin');
    const tree = await debugfs(image, 'ex /a/fragmented.bin');
    const child = Number(/^ *0\/ *1 +1\/ *\d+ +\d+ - +\d+ +(\d+)/m.exec(tree)![1]);
    const index = Buffer.concat([u32(0), u32(child), u16(0), u16(0)]);
    const copy = await copyWith(image, 'tree-loop.img', [
      [inode + 0x28 + 6, u16(2)],
      [child * 1024 + 6, u16(1)],
      [child * 1024 + 12, index],
    ]);
    const { errors } = await walk(copy);
    expect(errors.map(([path, e]) => [path, e.reason])).toEqual([
      ['/a/fragmented.bin', 'its extent tree loops'],
    ]);
  });

  it('an extent pointing past the end of the filesystem is an error', async () => {
    // five-k.bin's first extent (in the inode): its start made 2^32 + 1.
    const at = (await inodeAt(image, '/a/five-k.bin')) + 0x28 + 12;
    const copy = await copyWith(image, 'extent-past-end.img', [[at + 6, u16(1)]]);
    await browse(copy, async (tree) => {
      const file = await browsePath(tree, '/a/five-k.bin');
      const reading = (async () => {
        for await (const chunk of tree.read(file)) void chunk;
      })();
      await expect(reading).rejects.toThrow(/an extent points outside the filesystem/);
    });
  });

  it('a name whose inode number is past the inode table is listed, and opening it says why', async () => {
    // The record of hello.txt: its inode number made huge.
    const block = Number((await debugfs(image, 'blocks /a')).trim().split(/\s+/)[0]);
    const copy = await copyWith(image, 'bad-inode-number.img', []);
    const handle = await openFile(copy, 'r+');
    const folder = Buffer.alloc(1024);
    await handle.read(folder, 0, 1024, block * 1024);
    const at = folder.indexOf('hello.txt') - 8;
    await handle.write(u32(0x7ffffff0), 0, 4, block * 1024 + at);
    await handle.close();
    await browse(copy, async (tree) => {
      const hello = await browsePath(tree, '/a/hello.txt');
      expect(hello).toMatchObject({ kind: 'other', size: 0, mtimeMs: null, mode: null });
      const error = await tree.list(hello).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrowseError);
      expect((error as BrowseError).reason).toBe(
        'its inode number 2147483632 is outside the filesystem',
      );
      expect((await tree.list(await browsePath(tree, '/a'))).length).toBe(3);
    });
  });

  it('a block map pointing past the filesystem is an error (ext2)', async () => {
    const ext2 = await makeImage('ext2.img', 'mkfs.ext2 -b 1024');
    expect(treeDifferences(sourceTree, (await walk(ext2)).records, fromSource)).toEqual([]);
    // top.bin's double-indirect block number made past the end.
    const at = (await inodeAt(ext2, '/top.bin')) + 0x28 + 13 * 4;
    const copy = await copyWith(ext2, 'ext2-past-end.img', [[at, u32(0x00ffffff)]]);
    const { errors } = await walk(copy);
    expect(errors.map(([path, e]) => [path, e.reason])).toEqual([
      ['/top.bin', 'its block map points outside the filesystem (block 16777215)'],
    ]);
  });

  it('a superblock with an impossible block size, or a feature it cannot read, is refused', async () => {
    const badSize = await copyWith(image, 'bad-block-size.img', [[1024 + 0x18, u32(40)]]);
    await expect(browse(badSize, async () => null)).rejects.toThrow(
      new BrowseError('damaged', '/', 'its superblock is damaged (block size)'),
    );
    // INCOMPAT_COMPRESSION (0x1) added to the feature word.
    const sb = Buffer.alloc(4);
    const handle = await openFile(image, 'r');
    await handle.read(sb, 0, 4, 1024 + 0x60);
    await handle.close();
    const compressed = await copyWith(image, 'compression.img', [
      [1024 + 0x60, u32(sb.readUInt32LE() | 0x1)],
    ]);
    await expect(browse(compressed, async () => null)).rejects.toThrow(
      'ext4 with compression is not supported',
    );
  });

  it('is not ext: null', async () => {
    const zeros = join(dir.path, 'zeros.img');
    await sh(`truncate -s 1M ${q(zeros)}`);
    const file = await openFileReadAt(zeros);
    expect(await extBrowseReader.open(file.read, file.size)).toBe(null);
    await file.close();
  });

  it('an encrypted folder (fscrypt) is an error for that folder, with a note', async () => {
    const copy = await makeImage('encrypt.img', 'mkfs.ext4 -b 1024 -O encrypt');
    await sh(`debugfs -w -R ${q('set_inode_field /c flags 0x80800')} ${q(copy)} 2>/dev/null`);
    await browse(copy, async (tree) => {
      expect(tree.notes).toEqual([
        'Encrypted folders and files (fscrypt) cannot be opened without their key.',
      ]);
    });
    const { records, errors } = await walk(copy);
    expect(errors.map(([path, e]) => [path, e.reason])).toEqual([
      ['/c', 'it is encrypted (fscrypt) and cannot be read without its key'],
    ]);
    expect(records.find((r) => r.path === '/a/hello.txt')?.sha256).toBe(
      intact.find((r) => r.path === '/a/hello.txt')?.sha256,
    );
  });

  for (const [name, mkfs, sizeMiB] of [
    ['casefold', 'mkfs.ext4 -b 4096 -O casefold', 16],
    ['bigalloc (clusters of 16 blocks)', 'mkfs.ext4 -b 1024 -O bigalloc -C 16384', 16],
    ['meta_bg, small groups', 'mkfs.ext4 -b 1024 -g 1024 -O meta_bg,^resize_inode', 8],
    ['64 KiB blocks', 'mkfs.ext4 -b 65536', 32],
    ['ext2 without the filetype feature', 'mkfs.ext2 -b 2048 -O ^filetype', 8],
    ['128-byte inodes', 'mkfs.ext4 -b 4096 -I 128', 16],
  ] as const) {
    it(`reads ${name} like any other`, async () => {
      const made = await makeImage(`${name.replaceAll(/\W/g, '-')}.img`, mkfs, sizeMiB);
      const { records, errors } = await walk(made);
      expect(errors).toEqual([]);
      expect(treeDifferences(sourceTree, records, fromSource)).toEqual([]);
    });
  }
});
