// The NTFS browse reader against a real volume: mkntfs on an image file, filled through ntfs-3g
// (nested folders, long and non-ASCII names, big folders, empty and resident files, a sparse
// file, hard links, LZNT1-compressed files, a fragmented file whose runs need several MFT
// records, a file over 100 MiB, symlinks, a DOS name, an alternate data stream), then the
// image file read with the reader and compared, file by file, with the same volume as ntfs-3g
// shows it. Then copies with damage: a broken MFT record, a broken index node, an encrypted
// flag: an error for that entry, the rest unchanged.

import { link, mkdir, open, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../../../test-support/fixtures.js';
import {
  comparableRows,
  walkBrowseTree,
  walkMountedTree,
  type TreeRow,
} from '../../../test-support/ntfs-browse-tree.js';
import { noNtfsReason } from '../../../test-support/ntfs-mount.js';
import {
  makeNtfsVolume,
  NTFS_ATTR_COMPRESSED_FOLDER,
  ntfsinfo,
  reparseData,
  setNtfsAttributes,
  setXattr,
  symlinkReparseData,
  withNtfsReadOnly,
} from '../../../test-support/ntfs-volume.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import type { ReadAt } from '../../read-at.js';
import { BrowseError, browsePath, type Entry, type FilesystemTree } from '../browse.js';
import { ntfsBrowseReader } from './browse.js';
import { MAX_READ } from './stream-reader.js';

const MIB = 2 ** 20;
const SIZE = 224 * MIB;
const BIG = 110 * MIB;
const LABEL = 'Spillway NTFS';
const LONG_NAME = `${'a long name that goes on '.repeat(9)}and ends.txt`; // 238 characters
const UNICODE_NAME = 'Ünïcødé ñame 日本語 😀.txt';

/** A ReadAt over an image file that counts what it is asked, and checks the bounds. */
async function imageReader(path: string) {
  const handle = await open(path, 'r');
  const size = (await handle.stat()).size;
  const stats = { reads: 0, bytes: 0, largest: 0 };
  const read: ReadAt = async (position, length) => {
    if (position < 0 || length < 0 || position + length > size) {
      throw new Error(`read of ${length} at ${position} is outside the image`);
    }
    stats.reads++;
    stats.bytes += length;
    stats.largest = Math.max(stats.largest, length);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, position);
    return buffer;
  };
  return { read, size, stats, close: () => handle.close() };
}

async function openTree(path: string) {
  const image = await imageReader(path);
  const tree = await ntfsBrowseReader.open(image.read, image.size);
  if (!tree) throw new Error(`${path} is not NTFS to the reader`);
  return { tree, image };
}

/** The rows not at or under any of `prefixes`. */
const outside = (rows: TreeRow[], ...prefixes: string[]) =>
  rows.filter((r) => !prefixes.some((p) => r.path === p || r.path.startsWith(`${p}/`)));

/** Fills the volume: every kind of thing the reader must handle. */
async function fill(root: string): Promise<void> {
  await randomFile(join(root, 'big.bin'), BIG, 'ntfs-browse-big');

  await mkdir(join(root, 'docs/deep/er'), { recursive: true });
  await writeFile(join(root, 'docs/deep/er/small.txt'), 'resident in its MFT record\n');
  await writeFile(join(root, 'docs/empty.txt'), '');
  await writeFile(join(root, 'docs', LONG_NAME), 'long\n');
  await writeFile(join(root, 'docs', UNICODE_NAME), 'ünïcødé\n');
  await mkdir(join(root, 'Café'));
  await randomFile(join(root, 'Café/f1.bin'), 300_000, 'f1');
  await randomFile(join(root, 'Café/f2.bin'), 5000, 'f2');

  // Sparse: ntfs-3g leaves the clusters never written as a hole.
  const sparse = await open(join(root, 'sparse.bin'), 'w');
  await sparse.write('head', 0);
  await sparse.write('middle', 9 * MIB + 12345);
  await sparse.write('tail', 40 * MIB);
  await sparse.close();
  // Grown by truncate: written up to 10000 bytes (its initialized size), zeros after.
  const grown = await open(join(root, 'grown.bin'), 'w');
  await grown.write(Buffer.alloc(10_000, 0x47));
  await grown.truncate(3 * MIB + 5);
  await grown.close();

  // Hard links: two names; and one file with 40 names (its $FILE_NAMEs overflow its record
  // into extension records, listed by an $ATTRIBUTE_LIST).
  await mkdir(join(root, 'links'));
  await link(join(root, 'Café/f2.bin'), join(root, 'links/also-f2.bin'));
  await writeFile(join(root, 'links/many-names'), 'one file, forty names\n');
  for (let i = 1; i < 40; i++) {
    await link(join(root, 'links/many-names'), join(root, `links/name number ${i} of many`));
  }

  // Symlinks: ntfs-3g's own (Interix) and a Windows one (a reparse point).
  await symlink('docs/deep/er/small.txt', join(root, 'link-to-small'));
  await writeFile(join(root, 'windows-link'), '');
  await setXattr(
    join(root, 'windows-link'),
    'system.ntfs_reparse_data',
    symlinkReparseData('docs\\empty.txt'),
  );

  // Reparse points ntfs-3g shows its own way (left out of the comparison, checked apart):
  // an absolute symlink, a junction, and a cloud placeholder tag on a file and on a folder.
  const reparse = join(root, 'reparse');
  await mkdir(join(reparse, 'cloud folder'), { recursive: true });
  await writeFile(join(reparse, 'cloud folder/inside.txt'), 'inside\n');
  await writeFile(join(reparse, 'absolute'), '');
  await mkdir(join(reparse, 'junction'));
  await writeFile(join(reparse, 'cloud file'), 'placeholder');
  const cloud = reparseData(0x9000001a, Buffer.from('cloud'));
  const set = (name: string, data: Buffer) =>
    setXattr(join(reparse, name), 'system.ntfs_reparse_data', data);
  await set(
    'absolute',
    symlinkReparseData('\\??\\C:\\Windows\\notepad.exe', {
      relative: false,
      print: 'C:\\Windows\\notepad.exe',
    }),
  );
  await set(
    'junction',
    symlinkReparseData('\\??\\C:\\Users', { junction: true, print: 'C:\\Users' }),
  );
  await set('cloud file', cloud);
  await set('cloud folder', cloud);

  // A long name with a DOS 8.3 alias (Win32 + DOS namespaces).
  await writeFile(join(root, 'Long File Name.txt'), 'has a short alias\n');
  await setXattr(
    join(root, 'Long File Name.txt'),
    'system.ntfs_dos_name',
    Buffer.from('LONGFI~1.TXT'),
  );

  // An alternate data stream (ntfs-3g stores user xattrs as named streams): skipped.
  await writeFile(join(root, 'with-stream.txt'), 'main stream\n');
  await setXattr(join(root, 'with-stream.txt'), 'user.note', Buffer.from('a side stream'));

  // Compressed: files made in a compressed folder. Text (compressed units), random bytes
  // (units stored as is), holes (sparse units), and all three mixed in one file.
  const packed = join(root, 'packed');
  await mkdir(packed);
  await setNtfsAttributes(packed, NTFS_ATTR_COMPRESSED_FOLDER);
  const text = Array.from(
    { length: 60_000 },
    (_, i) => `line ${i}: the quick brown fox ${i % 97}\n`,
  );
  const textBytes = Buffer.from(text.join(''));
  await writeFile(join(packed, 'text.txt'), textBytes);
  await randomFile(join(packed, 'random.bin'), MIB + 777, 'packed-random');
  const holes = await open(join(packed, 'holes.bin'), 'w');
  await holes.write('start', 0);
  await holes.write(text.slice(0, 500).join(''), 3 * MIB);
  await holes.close();
  const mixed = await open(join(packed, 'mixed.bin'), 'w');
  await randomFile(join(root, 'noise.tmp'), 64 * 1024, 'noise');
  const noise = await readFile(join(root, 'noise.tmp'));
  for (let i = 0; i < 12; i++) {
    const at = i * 3 * 64 * 1024;
    await mixed.write(textBytes, i * 65536, 65536, at);
    await mixed.write(noise, 0, noise.length, at + 65536);
  }
  await mixed.close();
  await rm(join(root, 'noise.tmp'));

  // A folder of 2500 names: its index needs many nodes, in more than one level.
  await mkdir(join(root, 'many'));
  for (let i = 0; i < 2500; i++) {
    await writeFile(
      join(root, 'many', `entry ${String(i).padStart(4, '0')} — ünïcødé ✓`),
      i % 50 === 0 ? `#${i}` : '',
    );
  }

  // Times to 100 ns, set last (writing into a folder changes its time).
  await sh(
    `touch -m -d '2001-02-03 04:05:06.7891234 UTC' ${q(join(root, 'docs/deep/er/small.txt'))}`,
  );
  await utimes(
    join(root, 'Café/f2.bin'),
    new Date('1999-12-31T23:59:59.5Z'),
    new Date('1999-12-31T23:59:59.5Z'),
  );

  // Fragmented: fill what is left with 16 KiB files, free every other one, and grow a file
  // into the holes: hundreds of runs, in several pieces held by several MFT records.
  await mkdir(join(root, 'fill'));
  const chunk = Buffer.alloc(16 * 1024, 0x5a);
  let filled = 0;
  try {
    for (; ; filled++) await writeFile(join(root, 'fill', `f${filled}`), chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    await rm(join(root, 'fill', `f${filled}`), { force: true });
  }
  for (let i = 0; i < filled; i += 2) await rm(join(root, 'fill', `f${i}`));
  // One handle, 64 KiB writes: ntfs-3g then takes the free clusters in order (holes).
  const fragmented = await open(join(root, 'fragmented.bin'), 'w');
  const piece = Buffer.alloc(64 * 1024);
  for (let i = 0; i < Math.min(320, (filled * 16) / 64 / 2 - 8); i++) {
    piece.fill(i & 0xff);
    piece.writeUInt32LE(i, 0);
    await fragmented.write(piece);
  }
  await fragmented.close();
}

describe.skipIf(noNtfsReason)(
  `NTFS browse on a real volume${noNtfsReason ? ` (skipped: ${noNtfsReason})` : ''}`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let image: string;
    let source: TreeRow[];
    let opened: Awaited<ReturnType<typeof openTree>>;
    const mnt = () => join(dir.path, 'mnt');

    beforeAll(async () => {
      dir = await tempDir('spillway-ntfs-browse-');
      image = join(dir.path, 'ntfs.img');
      // Stale random bytes in free space, as on a used drive.
      await randomFile(image, SIZE, 'ntfs-browse-stale');
      await makeNtfsVolume(image, mnt(), LABEL, fill);
      source = await withNtfsReadOnly(image, mnt(), (root) => walkMountedTree(root));
      opened = await openTree(image);
    }, 600_000);
    afterAll(async () => {
      await opened?.image.close();
      await dir?.remove();
    });

    it('the volume holds what these tests mean to exercise (checked with ntfsinfo)', async () => {
      const mft = await sh(`ntfsinfo -v -i 0 ${q(image)}`);
      const mftRuns = /\$DATA[\s\S]*?Runlist:[^\n]*\n([\s\S]*?)\n\S/
        .exec(mft)![1]!
        .trim()
        .split('\n');
      expect(mftRuns.length).toBeGreaterThan(1); // the MFT is fragmented
      const fragmented = await ntfsinfo(image, '/fragmented.bin');
      expect(fragmented).toMatch(/\$ATTRIBUTE_LIST/);
      expect(fragmented.match(/Dumping attribute \$DATA/g)!.length).toBeGreaterThan(1);
      expect(Number(/Total runs: (\d+)/.exec(fragmented)![1])).toBeGreaterThan(200);
      expect(await ntfsinfo(image, '/links/many-names')).toMatch(/\$ATTRIBUTE_LIST/);
      const text = await ntfsinfo(image, '/packed/text.txt');
      expect(text).toMatch(/Compression unit:\s+4/);
      const allocated = Number(/\$DATA[\s\S]*?Compressed size:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      expect(allocated).toBeLessThan(Number(/\$DATA[\s\S]*?Data size:\s+(\d+)/.exec(text)![1]) / 4);
      expect(await ntfsinfo(image, '/sparse.bin')).toMatch(/SPARSE/);
      const grown = await ntfsinfo(image, '/grown.bin');
      expect(/Initialized size:\s+(\d+)/.exec(grown)![1]).toBe('10000');
      expect(grown).toMatch(/\$DATA[\s\S]*Data size:\s+3145733/);
      for (const folder of ['/many', '/fill']) {
        expect(await ntfsinfo(image, folder)).toMatch(/\$INDEX_ALLOCATION/);
      }
      expect(await ntfsinfo(image, '/with-stream.txt')).toMatch(/Attribute name:\s+'note'/);
      expect(await ntfsinfo(image, '/Long File Name.txt')).toMatch(/Namespace:\s+DOS/);
      expect(source.find((r) => r.path === '/big.bin')!.size).toBe(BIG);
    });

    it('the whole tree equals the volume as ntfs-3g shows it: names, kinds, sizes, mtimes, bytes, hard links', async () => {
      const { tree, image: reader } = opened;
      expect(tree.filesystem).toBe('ntfs');
      expect(tree.label).toBe(LABEL);
      expect(tree.caseInsensitive).toBe(true);
      expect(tree.notes.join(' ')).toMatch(/alternate data streams are skipped/i);
      const rows = await walkBrowseTree(tree);
      expect(rows.length).toBeGreaterThan(3500);
      expect(comparableRows(outside(rows, '/reparse'))).toEqual(
        comparableRows(outside(source, '/reparse')),
      );
      // Memory stays bounded: no read asked for more than the reader's cap.
      expect(reader.stats.largest).toBeLessThanOrEqual(MAX_READ);
    });

    it('shows each name once: no system files, no DOS alias, both names of a hard link', async () => {
      const { tree } = opened;
      const root = await tree.list(await tree.root());
      const names = root.map((e) => e.name);
      expect(names.filter((n) => n.startsWith('$'))).toEqual([]);
      expect(names).toContain('Long File Name.txt');
      expect(names).not.toContain('LONGFI~1.TXT');
      expect(new Set(names).size).toBe(names.length);
      // Listed in the index's order: NTFS sorts by the upper-cased UTF-16 name.
      const upper = names.map((n) => n.toUpperCase());
      expect(upper).toEqual([...upper].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      // Found whatever the case, as Windows would.
      const small = await browsePath(tree, '/DOCS/Deep/ER/Small.TXT');
      expect(small).toMatchObject({ name: 'small.txt', kind: 'file', size: 27 });
      expect(small.mtimeMs).toBe(Date.parse('2001-02-03T04:05:06.789Z') + 0.1234);
      const f2 = await browsePath(tree, '/Café/f2.bin');
      const also = await browsePath(tree, '/links/also-f2.bin');
      expect(also.key).toBe(f2.key);
      expect(f2.mtimeMs).toBe(Date.parse('1999-12-31T23:59:59.5Z'));
      const many = await tree.list(await browsePath(tree, '/links'));
      expect(
        many.filter((e) => e.key === many.find((m) => m.name === 'many-names')!.key).length,
      ).toBe(40);
      // Symlinks: ntfs-3g's (Interix) and Windows' (reparse point).
      const link1 = await browsePath(tree, '/link-to-small');
      expect(link1.kind).toBe('symlink');
      expect(await tree.readLink(link1)).toBe('docs/deep/er/small.txt');
      expect(await tree.readLink(await browsePath(tree, '/windows-link'))).toBe('docs/empty.txt');
      await expect(browsePath(tree, '/docs/nothing')).rejects.toMatchObject({
        problem: 'not-found',
      });
      await expect(browsePath(tree, '/big.bin/x')).rejects.toMatchObject({
        problem: 'not-a-folder',
      });
    });

    it('reparse points: symlinks and junctions are symlinks, other tags are files or folders', async () => {
      const { tree } = opened;
      const listed = await tree.list(await browsePath(tree, '/reparse'));
      const kinds = Object.fromEntries(listed.map((e) => [e.name, e.kind]));
      expect(kinds).toEqual({
        absolute: 'symlink',
        'cloud file': 'other',
        'cloud folder': 'folder',
        junction: 'symlink',
      });
      const target = (name: string) => tree.readLink(listed.find((e) => e.name === name)!);
      expect(await target('absolute')).toBe('C:\\Windows\\notepad.exe');
      expect(await target('junction')).toBe('C:\\Users');
      const inside = await tree.list(listed.find((e) => e.name === 'cloud folder')!);
      expect(inside.map((e) => e.name)).toEqual(['inside.txt']);
      const cloudFile = listed.find((e) => e.name === 'cloud file')!;
      expect(cloudFile.size).toBe('placeholder'.length);
      await expect(readAll(tree, cloudFile)).rejects.toMatchObject({ problem: 'not-found' });
    });

    it('lists the root in a handful of reads', async () => {
      const fresh = await openTree(image);
      try {
        const toOpen = fresh.image.stats.reads;
        const root = await fresh.tree.list(await fresh.tree.root());
        const toList = fresh.image.stats.reads - toOpen;
        expect(root.length).toBe(15);
        console.info(
          `NTFS: ${toOpen} reads to open, ${toList} to list the root (${root.length} entries)`,
        );
        // Open: the boot sector, $MFT's record, the first block of the MFT. List: the root's
        // index block and the MFT blocks of its entries (one of which the filling of the
        // volume left in 4 pieces). Attribute lists and extension records are not read.
        expect(toOpen).toBe(3);
        expect(toList).toBeLessThanOrEqual(8);
      } finally {
        await fresh.image.close();
      }
    });

    it('streams a file over 100 MiB in chunks of at most 1 MiB, in few large reads', async () => {
      const fresh = await openTree(image);
      try {
        const big = await browsePath(fresh.tree, '/big.bin');
        const before = { ...fresh.image.stats };
        const started = performance.now();
        let bytes = 0;
        let chunks = 0;
        for await (const chunk of fresh.tree.read(big)) {
          expect(chunk.length).toBeLessThanOrEqual(MIB);
          bytes += chunk.length;
          chunks++;
        }
        const ms = performance.now() - started;
        const reads = fresh.image.stats.reads - before.reads;
        console.info(
          `NTFS: streamed ${bytes / MIB} MiB in ${ms.toFixed(0)} ms, ${chunks} chunks, ${reads} reads`,
        );
        expect(bytes).toBe(BIG);
        // big.bin sits in one or a few runs: about one read per 4 MiB.
        expect(reads).toBeLessThanOrEqual(Math.ceil(BIG / MAX_READ) + 4);
        expect(fresh.image.stats.bytes - before.bytes).toBeLessThan(BIG + MIB);
      } finally {
        await fresh.image.close();
      }
    });

    /** A copy of the image with `patch` applied, opened. */
    async function damaged(name: string, patch: (bytes: Buffer) => void) {
      const bytes = await readFile(image);
      patch(bytes);
      const copy = join(dir.path, name);
      await writeFile(copy, bytes);
      return openTree(copy);
    }

    /** Byte offset of MFT record `n` (found by its number in the FILE header, not the MFT runs). */
    function findRecord(bytes: Buffer, n: number): number {
      for (let at = 0; at + 1024 <= bytes.length; at += 1024) {
        if (
          bytes.toString('latin1', at, at + 4) === 'FILE' &&
          bytes.readUInt32LE(at + 0x2c) === n
        ) {
          return at;
        }
      }
      throw new Error(`record ${n} not found`);
    }

    async function recordOf(path: string): Promise<number> {
      return Number(/Dumping Inode (\d+)/.exec(await ntfsinfo(image, path))![1]);
    }

    it('a damaged MFT record is an error for that file and that folder only', async () => {
      const fileRecord = await recordOf('/Café/f1.bin');
      const folderRecord = await recordOf('/docs/deep');
      const { tree, image: reader } = await damaged('bad-record.img', (bytes) => {
        // Torn writes: the update sequence at the end of a record's first sector no longer
        // matches; and a folder record whose first attribute's length is a lie.
        const file = findRecord(bytes, fileRecord);
        bytes.writeUInt16LE(bytes.readUInt16LE(file + 510) ^ 0xffff, file + 510);
        const folder = findRecord(bytes, folderRecord);
        bytes.writeUInt32LE(0x7ffffff8, folder + bytes.readUInt16LE(folder + 0x14) + 4);
      });
      try {
        const cafe = await tree.list(await browsePath(tree, '/Café'));
        const f1 = cafe.find((e) => e.name === 'f1.bin')!;
        expect(f1).toMatchObject({ kind: 'file', size: 0, mtimeMs: null });
        await expect(readAll(tree, f1)).rejects.toSatisfy(
          (e) =>
            e instanceof BrowseError && e.problem === 'damaged' && /update sequence/.test(e.reason),
        );
        const deep = await browsePath(tree, '/docs/deep');
        expect(deep.kind).toBe('folder');
        await expect(tree.list(deep)).rejects.toMatchObject({ problem: 'damaged', path: 'deep' });
        // Everything else reads as before.
        // (big.bin's bytes were compared above: not read again.)
        const rows = await walkBrowseTree(tree, {
          skipContent: (p) => p === '/Café/f1.bin' || p === '/big.bin',
          skipFolder: (p) => p === '/docs/deep',
        });
        const skip = (r: TreeRow[]) =>
          outside(r, '/Café/f1.bin', '/docs/deep', '/reparse', '/big.bin');
        expect(comparableRows(skip(rows))).toEqual(comparableRows(skip(source)));
      } finally {
        await reader.close();
      }
    });

    it('a damaged index node is an error for that folder only', async () => {
      const info = await ntfsinfo(image, '/many');
      const [, lcn] =
        /\$INDEX_ALLOCATION[\s\S]*?Runlist:[^\n]*\n\s*0x[0-9a-f]+\s+0x([0-9a-f]+)/i.exec(info)!;
      const clusterSize = 4096;
      const { tree, image: reader } = await damaged('bad-index.img', (bytes) => {
        // The second block of the index: an entry's length becomes a lie.
        const at = parseInt(lcn!, 16) * clusterSize + 4096;
        expect(bytes.toString('latin1', at, at + 4)).toBe('INDX');
        const first = at + 0x18 + bytes.readUInt32LE(at + 0x18);
        bytes.writeUInt16LE(0xfff8, first + 8);
      });
      try {
        const many = await browsePath(tree, '/many');
        await expect(tree.list(many)).rejects.toSatisfy(
          (e) =>
            e instanceof BrowseError && e.problem === 'damaged' && /index entry/.test(e.reason),
        );
        const rows = await walkBrowseTree(tree, {
          skipContent: (p) => p === '/big.bin',
          skipFolder: (p) => p === '/many',
        });
        const skip = (r: TreeRow[]) => outside(r, '/many', '/reparse', '/big.bin');
        expect(comparableRows(skip(rows))).toEqual(comparableRows(skip(source)));
      } finally {
        await reader.close();
      }
    });

    it('a volume Windows marked dirty says so in its notes, and still lists', async () => {
      expect(opened.tree.notes.join(' ')).not.toMatch(/chkdsk/);
      const { tree, image: reader } = await damaged('dirty.img', (bytes) => {
        // $Volume (record 3, in the MFT and its mirror): the dirty bit of its information.
        for (let at = 0; at + 1024 <= bytes.length; at += 1024) {
          if (
            bytes.toString('latin1', at, at + 4) !== 'FILE' ||
            bytes.readUInt32LE(at + 0x2c) !== 3
          ) {
            continue;
          }
          for (let a = at + bytes.readUInt16LE(at + 0x14); bytes.readUInt32LE(a) !== 0xffffffff;) {
            if (bytes.readUInt32LE(a) === 0x70) {
              const flags = a + bytes.readUInt16LE(a + 0x14) + 10;
              bytes.writeUInt16LE(bytes.readUInt16LE(flags) | 1, flags);
            }
            a += bytes.readUInt32LE(a + 4);
          }
        }
      });
      try {
        expect(tree.notes.join(' ')).toMatch(/needing a check \(chkdsk\)/);
        expect((await tree.list(await tree.root())).length).toBe(15);
      } finally {
        await reader.close();
      }
    });

    it('a file encrypted by Windows (EFS) is listed and refused with the reason', async () => {
      const record = await recordOf('/docs/empty.txt');
      const { tree, image: reader } = await damaged('efs.img', (bytes) => {
        // $STANDARD_INFORMATION is the first attribute: its file attributes get "encrypted".
        const at = findRecord(bytes, record);
        const si = at + bytes.readUInt16LE(at + 0x14);
        expect(bytes.readUInt32LE(si)).toBe(0x10);
        const value = si + bytes.readUInt16LE(si + 0x14);
        bytes.writeUInt32LE(bytes.readUInt32LE(value + 0x20) | 0x4000, value + 0x20);
      });
      try {
        const entry = await browsePath(tree, '/docs/empty.txt');
        expect(entry.kind).toBe('file');
        await expect(readAll(tree, entry)).rejects.toSatisfy(
          (e) => e instanceof BrowseError && /encrypted/.test(e.reason),
        );
        expect((await tree.list(await browsePath(tree, '/docs'))).length).toBe(4);
      } finally {
        await reader.close();
      }
    });
  },
);

async function readAll(tree: FilesystemTree, entry: Entry): Promise<number> {
  let n = 0;
  for await (const chunk of tree.read(entry)) n += chunk.length;
  return n;
}

describe.skipIf(noNtfsReason)(
  `NTFS browse with an MFT in hundreds of pieces${noNtfsReason ? ` (skipped: ${noNtfsReason})` : ''}`,
  () => {
    it('an MFT whose runs need an attribute list (and a second record) is followed', async () => {
      const dir = await tempDir('spillway-ntfs-mft-');
      try {
        const image = join(dir.path, 'ntfs.img');
        await randomFile(image, 40 * MIB, 'ntfs-mft-stale');
        // Fill the volume with one-cluster files, free every other one, then create files:
        // the MFT grows into the one-cluster holes, one small run at a time.
        await makeNtfsVolume(image, join(dir.path, 'mnt'), 'mft', async (root) => {
          await mkdir(join(root, 'fill'));
          const cluster = Buffer.alloc(4096, 0x66);
          let n = 0;
          try {
            for (; ; n++) await writeFile(join(root, 'fill', `${n}`), cluster);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
          for (let i = 0; i < n; i += 2) await rm(join(root, 'fill', `${i}`));
          await mkdir(join(root, 'small'));
          try {
            for (let i = 0; i < 6000; i++) await writeFile(join(root, 'small', `${i}`), `#${i}`);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
        });
        const mft = await sh(`ntfsinfo -v -i 0 ${q(image)}`);
        expect(mft).toMatch(/\$ATTRIBUTE_LIST/);
        expect(mft.match(/Dumping attribute \$DATA \(0x80\) from mft record (\d+)/g)!.length).toBe(
          2,
        );
        const source = await withNtfsReadOnly(image, join(dir.path, 'mnt'), (root) =>
          walkMountedTree(root),
        );
        const { tree, image: reader } = await openTree(image);
        try {
          const rows = await walkBrowseTree(tree);
          expect(rows.length).toBeGreaterThan(8000);
          expect(comparableRows(rows)).toEqual(comparableRows(source));
        } finally {
          await reader.close();
        }
      } finally {
        await dir.remove();
      }
    }, 600_000);
  },
);

describe.skipIf(noNtfsReason)(
  `NTFS browse with other cluster sizes${noNtfsReason ? ` (skipped: ${noNtfsReason})` : ''}`,
  () => {
    // 512-byte clusters: an MFT record spans two, an index block eight. 64 KiB clusters: index
    // blocks are smaller than a cluster, so their pointers count 512-byte blocks.
    it.each([['-c 512'], ['-c 65536']])("mkntfs %s: the tree equals ntfs-3g's", async (options) => {
      const dir = await tempDir('spillway-ntfs-geometry-');
      try {
        const image = join(dir.path, 'ntfs.img');
        await randomFile(image, 64 * MIB, `ntfs-geometry-${options}`);
        await makeNtfsVolume(
          image,
          join(dir.path, 'mnt'),
          'geometry',
          async (root) => {
            await mkdir(join(root, 'a/b/c'), { recursive: true });
            for (let i = 0; i < 400; i++) {
              await writeFile(join(root, 'a', `name ${i} ${'x'.repeat(i % 40)}`), `${i}`.repeat(i));
            }
            await randomFile(join(root, 'a/b/c/data.bin'), 3 * MIB + 1, 'geometry-data');
            const sparse = await open(join(root, 'a/b/sparse.bin'), 'w');
            await sparse.write('end', 7 * MIB);
            await sparse.close();
            await mkdir(join(root, 'packed'));
            await setNtfsAttributes(join(root, 'packed'), NTFS_ATTR_COMPRESSED_FOLDER);
            await writeFile(join(root, 'packed/text.txt'), 'compress me\n'.repeat(50_000));
          },
          options,
        );
        const source = await withNtfsReadOnly(image, join(dir.path, 'mnt'), (root) =>
          walkMountedTree(root),
        );
        expect(await ntfsinfo(image, '/a')).toMatch(/\$INDEX_ALLOCATION/);
        // ntfs-3g compresses only with clusters up to 4 KiB (units of 16 × 512 bytes here).
        const packed = await ntfsinfo(image, '/packed/text.txt');
        if (options === '-c 512') expect(packed).toMatch(/Compression unit:\s+4/);
        const { tree, image: reader } = await openTree(image);
        try {
          const rows = await walkBrowseTree(tree);
          expect(rows.length).toBe(407);
          expect(comparableRows(rows)).toEqual(comparableRows(source));
        } finally {
          await reader.close();
        }
      } finally {
        await dir.remove();
      }
    });
  },
);
