// The FAT browse reader against real volumes: mkfs.fat makes FAT12 (a 1.44 MB floppy), FAT16
// and FAT32, mtools fills them with a real tree (`mcopy -m` keeps the times; this kernel has no
// FAT driver) and copies it out again; the reader, over the image file, must give the same
// tree: names, kinds, sizes, times and every file's SHA-256. Then damage: a folder's cluster
// overwritten, a long name's chain broken, cluster chains that loop. Needs no root.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browseTreeLines,
  directoryTreeLines,
  type TreeLine,
} from '../../../test-support/browse-tree.js';
import {
  makeSourceTree,
  type SourceTreeOptions,
} from '../../../test-support/browse-source-tree.js';
import { openFileReadAt } from '../../../test-support/file-read-at.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { BrowseError, browsePath, type Entry, type FilesystemTree } from '../browse.js';
import { parseFatBootSector } from './boot-sector.js';
import { fatBrowseReader } from './browse.js';

const MTOOLS = 'LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1';

interface Volume {
  image: string;
  source: string;
  /** The tree as mtools copies it out of the image. */
  mtools: TreeLine[];
}

/** Opens `image` through a ReadAt over the file and walks it; closes the file. */
async function withTree<T>(image: string, use: (tree: FilesystemTree) => Promise<T>): Promise<T> {
  const file = await openFileReadAt(image);
  try {
    const tree = await fatBrowseReader.open(file.read, file.size);
    if (!tree) throw new Error(`${image} is not FAT to the reader`);
    return await use(tree);
  } finally {
    await file.close();
  }
}

/** The entries of the folder at `path`. */
async function listAt(tree: FilesystemTree, path: string): Promise<Entry[]> {
  return tree.list(await browsePath(tree, path));
}

/** The error a promise rejects with (fails the test when it resolves). */
async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected an error'),
    (error: unknown) => error,
  );
}

async function drain(tree: FilesystemTree, file: Entry): Promise<number> {
  let bytes = 0;
  for await (const chunk of tree.read(file)) bytes += chunk.length;
  return bytes;
}

describe('FAT browse', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let fat16: Volume;
  beforeAll(async () => {
    dir = await tempDir();
    fat16 = await makeVolume('fat16', 16, 65536, {});
  });
  afterAll(() => dir?.remove());

  /** A volume made by mkfs.fat and filled by mtools from a source tree; mtools' copy of it. */
  async function makeVolume(
    name: string,
    bits: 12 | 16 | 32,
    kib: number,
    tree: SourceTreeOptions,
  ): Promise<Volume> {
    const image = join(dir.path, `${name}.img`);
    const source = join(dir.path, `${name}-source`);
    const out = join(dir.path, `${name}-mtools`);
    await makeSourceTree(source, tree);
    await sh(`mkfs.fat -F ${bits} -n SPILLWAY -C ${q(image)} ${kib} >/dev/null`);
    await sh(`shopt -s dotglob && ${MTOOLS} mcopy -s -m -i ${q(image)} ${q(source)}/* ::/`);
    await mkdir(out);
    await sh(`${MTOOLS} mcopy -s -m -n -i ${q(image)} '::/*' ${q(out)}/`);
    return { image, source, mtools: await directoryTreeLines(out) };
  }

  const volumes: Array<[string, 12 | 16 | 32, number, SourceTreeOptions]> = [
    ['FAT12 floppy', 12, 1440, { small: true }],
    ['FAT16', 16, 65536, {}],
    ['FAT32 with a 110 MiB file', 32, 204800, { bigMiB: 110 }],
  ];

  it.each(volumes)('%s: the tree is what mtools copies out, and the source', async (...row) => {
    const [, bits, kib, options] = row;
    // The FAT16 volume is made once, before all tests: the damage tests change copies of it.
    const volume = bits === 16 ? fat16 : await makeVolume(`fat${bits}`, bits, kib, options);
    const file = await openFileReadAt(volume.image);
    const boot = await file.read(0, 512).finally(() => file.close());
    expect(parseFatBootSector(boot, file.size)!.bits).toBe(bits);

    const lines = await withTree(volume.image, async (tree) => {
      expect(tree.filesystem).toBe('vfat');
      expect(tree.label).toBe('SPILLWAY');
      expect(tree.caseInsensitive).toBe(true);
      return browseTreeLines(tree);
    });
    expect(lines.length).toBeGreaterThan(options.small ? 130 : 320);
    expect(lines).toEqual(volume.mtools);
    // The source's times are even seconds, which FAT keeps exactly: the source agrees too.
    expect(lines).toEqual(await directoryTreeLines(volume.source));
    if (options.bigMiB) {
      const big = lines.find((line) => line.path === '/big.bin')!;
      expect(big.size).toBe(110 * 2 ** 20);
    }
  });

  it('listing the root takes a few reads; files stream in reads of at most 1 MiB', async () => {
    const file = await openFileReadAt(fat16.image);
    try {
      const tree = (await fatBrowseReader.open(file.read, file.size))!;
      const root = await tree.list(await tree.root());
      expect(root.map((entry) => entry.name)).toContain('readme.txt');
      // The boot sector and the fixed root region.
      expect(file.counts.reads).toBe(2);
      const before = file.counts.reads;
      const sized = (await listAt(tree, '/sizes')).find((e) => e.name === 'size 1000003.bin')!;
      const reads = file.counts.reads - before;
      expect(await drain(tree, sized)).toBe(1_000_003);
      // 1,000,003 bytes in 2 KiB clusters: mtools writes them in one run, read in one MiB.
      expect(file.counts.reads - before - reads).toBeLessThanOrEqual(2);
      expect(file.counts.largest).toBeLessThanOrEqual(2 ** 20);
    } finally {
      await file.close();
    }
  });

  it('paths are found whatever their case', async () => {
    await withTree(fat16.image, async (tree) => {
      const entry = await browsePath(tree, '/DEEP/a/B/c/D/e/Deep.TXT');
      expect(entry).toMatchObject({ name: 'deep.txt', kind: 'file', size: 77 });
      const error = await errorOf(browsePath(tree, '/deep/nothing'));
      expect(error).toBeInstanceOf(BrowseError);
      expect((error as BrowseError).problem).toBe('not-found');
      expect(((await errorOf(browsePath(tree, '/readme.txt/x'))) as BrowseError).problem).toBe(
        'not-a-folder',
      );
    });
  });

  it('short names only: NT lower-case flags and code page 850, as mtools lists them', async () => {
    const image = join(dir.path, 'short.img');
    const source = join(dir.path, 'short-source');
    await mkdir(source);
    await writeFile(join(source, 'été.txt'), 'summer');
    await writeFile(join(source, 'readme.txt'), 'read me');
    await writeFile(join(source, 'UPPER.TXT'), 'upper');
    await sh(`mkfs.fat -F 16 -C ${q(image)} 16384 >/dev/null`);
    await sh(`${MTOOLS} mcopy -i ${q(image)} ${q(source)}/* ::/`);
    const names = await withTree(image, async (tree) =>
      (await tree.list(await tree.root())).map((entry) => entry.name),
    );
    expect(names.sort()).toEqual(['UPPER.TXT', 'readme.txt', 'été.txt']);
    // mtools wrote no long names for these (they fit 8.3), only short ones with case flags:
    // its listing shows them as the reader does. (Its `mcopy` out writes "ÉtÉ.txt": it lowers
    // only the ASCII letters of a flagged name.)
    const listing = await sh(`${MTOOLS} mdir -i ${q(image)} ::/`);
    expect(listing).toMatch(/^été {6}txt/m);
    expect(listing).not.toMatch(/ été\.txt$/m);
  });

  it('a long name with characters beyond 16 bits (UTF-16 surrogates, as Windows writes)', async () => {
    // mtools 4.0.32 keeps only the low 16 bits of such characters, so the name is written in
    // its place here: same length, same short name, so its checksum still holds.
    const image = join(dir.path, 'emoji.img');
    const source = join(dir.path, 'emoji-source');
    const wanted = '😀 smile🎉.txt';
    const placeholder = 'XX smileXX.txt';
    expect(placeholder.length).toBe(wanted.length);
    await mkdir(source);
    await writeFile(join(source, placeholder), 'emoji');
    await sh(`mkfs.fat -F 16 -C ${q(image)} 16384 >/dev/null`);
    await sh(`${MTOOLS} mcopy -i ${q(image)} ${q(join(source, placeholder))} ::/`);
    const bytes = await readFile(image);
    const from = Buffer.from(placeholder.slice(0, 13), 'utf16le');
    const to = Buffer.from(wanted.slice(0, 13), 'utf16le');
    let patched = 0;
    // The long name's first 13 units, spread over an entry's three places (1-10, 14-25, 28-31).
    const g = parseFatBootSector(bytes.subarray(0, 512), bytes.length)!;
    for (let at = g.rootOffset; at < g.rootOffset + g.rootBytes; at += 32) {
      if (bytes[at + 11] !== 0x0f || (bytes[at]! & 0x1f) !== 1) continue;
      const places = [...bytes.subarray(at + 1, at + 11), ...bytes.subarray(at + 14, at + 26)];
      const all = Buffer.from([...places, ...bytes.subarray(at + 28, at + 32)]);
      expect(all.equals(from)).toBe(true);
      to.copy(bytes, at + 1, 0, 10);
      to.copy(bytes, at + 14, 10, 22);
      to.copy(bytes, at + 28, 22, 26);
      patched++;
    }
    expect(patched).toBe(1);
    await writeFile(image, bytes);
    const entries = await withTree(image, async (tree) => tree.list(await tree.root()));
    expect(entries.map((entry) => entry.name)).toEqual([wanted]);
  });

  describe('damage', () => {
    /** A copy of the FAT16 volume, changed by `damage`; its tree walked, errors gathered. */
    async function damaged(
      name: string,
      damage: (bytes: Buffer, keyOf: (path: string) => Promise<string>) => Promise<void>,
      image = fat16.image,
    ) {
      const bytes = await readFile(image);
      const keyOf = (path: string) =>
        withTree(image, async (tree) => (await browsePath(tree, path)).key);
      await damage(bytes, keyOf);
      const copy = join(dir.path, `${name}.img`);
      await writeFile(copy, bytes);
      const errors: BrowseError[] = [];
      const lines = await withTree(copy, (tree) =>
        browseTreeLines(tree, { onError: (error) => errors.push(error) }),
      );
      return { copy, lines, errors, g: parseFatBootSector(bytes.subarray(0, 512), bytes.length)! };
    }

    const clusterAt = (bytes: Buffer, cluster: number) => {
      const g = parseFatBootSector(bytes.subarray(0, 512), bytes.length)!;
      return g.dataOffset + (cluster - 2) * g.clusterBytes;
    };
    const setFat16 = (bytes: Buffer, cluster: number, value: number) => {
      const g = parseFatBootSector(bytes.subarray(0, 512), bytes.length)!;
      for (let copy = 0; copy < g.fatCount; copy++) {
        bytes.writeUInt16LE(value, g.fatOffset + copy * g.fatBytes + cluster * 2);
      }
    };
    const firstCluster = (key: string) => Number(/^[df]:(\d+)$/.exec(key)![1]);
    /** The reference without the subtree at `path` (the entry itself stays listed). */
    const without = (lines: TreeLine[], path: string) =>
      lines.filter((line) => !line.path.startsWith(`${path}/`));

    it('a folder whose cluster is overwritten: an error for it, the rest lists', async () => {
      const { lines, errors } = await damaged('bad-folder', async (bytes, keyOf) => {
        const cluster = firstCluster(await keyOf('/Ünïcödé Folder'));
        // Control characters in every name byte: not a folder's entries.
        bytes.fill(0x01, clusterAt(bytes, cluster), clusterAt(bytes, cluster + 1));
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ problem: 'damaged', path: 'Ünïcödé Folder' });
      expect(errors[0]!.reason).toMatch(/no valid name/);
      expect(lines).toEqual(without(fat16.mtools, '/Ünïcödé Folder'));
    });

    it('a broken long name: the short name instead, as mtools shows it', async () => {
      const long = `${'a long name '.repeat(17).trim()}.txt`;
      const { copy, lines, errors } = await damaged('bad-long-name', async (bytes) => {
        const g = parseFatBootSector(bytes.subarray(0, 512), bytes.length)!;
        const part = Buffer.from('a long name a', 'utf16le');
        // The long name's first part (sequence number 1) gets a wrong checksum.
        for (let at = g.rootOffset; at < g.rootOffset + g.rootBytes; at += 32) {
          if (
            bytes[at] === 0x01 &&
            bytes[at + 11] === 0x0f &&
            bytes.subarray(at + 1, at + 11).equals(part.subarray(0, 10))
          ) {
            bytes[at + 13]! ^= 0x5a;
          }
        }
      });
      expect(errors).toEqual([]);
      const shown = (await sh(`${MTOOLS} mdir -b -i ${q(copy)} ::/`))
        .split('\n')
        .map((line) => line.replace('::/', ''));
      const short = lines.find((line) => line.path.startsWith('/ALONGN'))!;
      expect(short.path).toMatch(/^\/ALONGN~\d\.TXT$/);
      expect(shown).toContain(short.path.slice(1));
      const original = fat16.mtools.find((line) => line.path === `/${long}`)!;
      expect(short).toEqual({ ...original, path: short.path });
      expect(lines.some((line) => line.path === `/${long}`)).toBe(false);
    });

    it('a long name with "/" in it is not handed out: the short name instead', async () => {
      const { lines, errors } = await damaged('slash', async (bytes) => {
        // "Mixed Case Name.Txt" becomes "Mixed/Case Name.Txt": same length, same checksum.
        const at = bytes.indexOf(Buffer.from('Mixed', 'utf16le'));
        expect(bytes[at - 1]! & 0x1f).toBe(1); // the first part's sequence number
        bytes.write('/', at + 10, 'utf16le');
      });
      expect(errors).toEqual([]);
      expect(lines.map((line) => line.path)).toContain('/MIXEDC~1.TXT');
      expect(lines.some((line) => line.path.includes('Mixed'))).toBe(false);
    });

    it('a file whose chain loops, a folder whose chain loops: errors for them alone', async () => {
      const { lines, errors } = await damaged('loops', async (bytes, keyOf) => {
        // size 1000003.bin spans 489 clusters of 2 KiB: its 10th links back to its 3rd.
        const file = firstCluster(await keyOf('/sizes/size 1000003.bin'));
        setFat16(bytes, file + 9, file + 2);
        // "many" spans 15 clusters (300 entries with long names): its second links back to
        // its first, before the folder's end is reached. (A loop after the end-of-folder entry
        // is never followed, by this reader or by mtools.)
        const folder = firstCluster(await keyOf('/many'));
        const g = parseFatBootSector(bytes.subarray(0, 512), bytes.length)!;
        const second = bytes.readUInt16LE(g.fatOffset + folder * 2);
        expect(bytes.readUInt16LE(g.fatOffset + second * 2)).toBeLessThan(0xfff8);
        setFat16(bytes, second, folder);
      });
      expect(errors.map(({ path, reason }) => `${path}: ${reason}`).sort()).toEqual([
        'many: its cluster chain loops',
        'size 1000003.bin: its cluster chain loops',
      ]);
      const expected = without(fat16.mtools, '/many').map((line) =>
        line.path === '/sizes/size 1000003.bin' ? { ...line, sha256: null } : line,
      );
      expect(lines).toEqual(expected);
    });

    it('a folder that contains itself: listed once, the walk ends', async () => {
      const { lines, errors } = await damaged('self', async (bytes, keyOf) => {
        const g = parseFatBootSector(bytes.subarray(0, 512), bytes.length)!;
        const e = firstCluster(await keyOf('/deep/a/b/c/d/e'));
        const a = firstCluster(await keyOf('/deep/a'));
        // e's entry of deep.txt becomes a folder pointing at /deep/a.
        const at = clusterAt(bytes, e);
        for (let entry = at; entry < at + g.clusterBytes; entry += 32) {
          if (bytes.toString('latin1', entry, entry + 11) === 'DEEP    TXT') {
            bytes[entry + 11] = 0x10;
            bytes.writeUInt16LE(a, entry + 26);
          }
        }
      });
      expect(errors).toEqual([]);
      expect(lines.find((line) => line.path === '/deep/a/b/c/d/e/deep.txt')?.kind).toBe('folder');
      expect(lines.length).toBe(fat16.mtools.length);
    });

    it('a boot sector that does not fit its partition: an error for the whole volume', async () => {
      const bytes = await readFile(fat16.image);
      bytes.writeUInt32LE(bytes.readUInt16LE(19) * 4 || bytes.readUInt32LE(32) * 4, 32);
      bytes.writeUInt16LE(0, 19);
      const error = await errorOf(
        fatBrowseReader.open(async (p, n) => bytes.subarray(p, p + n), bytes.length),
      );
      expect(error).toMatchObject({ problem: 'damaged', path: '/' });
      expect(await fatBrowseReader.open(async (p, n) => randomBytes(n), 2 ** 20)).toBeNull();
    });
  });

  it('times are local: under another time zone, the reader and mtools agree again', async () => {
    const zone = 'Asia/Kolkata'; // +05:30, no daylight saving: every time moves alike
    const saved = process.env.TZ;
    const out = join(dir.path, 'tz-mtools');
    await mkdir(out);
    await sh(`TZ=${zone} ${MTOOLS} mcopy -s -m -n -i ${q(fat16.image)} '::/*' ${q(out)}/`);
    const mtools = await directoryTreeLines(out);
    try {
      process.env.TZ = zone;
      const lines = await withTree(fat16.image, (tree) =>
        browseTreeLines(tree, { skipContent: true }),
      );
      expect(lines).toEqual(mtools.map((line) => ({ ...line, sha256: null })));
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    const utc = fat16.mtools.find((line) => line.path === '/readme.txt')!;
    const kolkata = mtools.find((line) => line.path === '/readme.txt')!;
    expect(utc.mtimeMs! - kolkata.mtimeMs!).toBe(5.5 * 3600 * 1000);
  });
});
