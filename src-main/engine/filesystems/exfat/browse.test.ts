// The exFAT browse reader against real volumes: mkfs.exfat makes them, the FUSE driver
// (exfat-fuse: this kernel has no exFAT driver) fills them with a real tree and with files
// written in turns (fragmented: FAT chains beside contiguous NoFatChain files), and reads them
// back; the reader, over the image file, must give the same tree: names, kinds, sizes, times
// and every file's SHA-256. Then damage: an entry set whose checksum fails, a folder's cluster
// overwritten, a chain that loops, a damaged main boot sector. Needs root (FUSE, loop devices).

import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browseTreeLines,
  directoryTreeLines,
  type TreeLine,
} from '../../../test-support/browse-tree.js';
import { makeSourceTree } from '../../../test-support/browse-source-tree.js';
import { randomFile } from '../../../test-support/fixtures.js';
import { mountExfat, noExfatFuseReason } from '../../../test-support/exfat-mount.js';
import { openFileReadAt } from '../../../test-support/file-read-at.js';
import { q, sh, shStatus } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { BrowseError, browsePath, type FilesystemTree } from '../browse.js';
import { parseBootSector } from './boot-sector.js';
import { exfatBrowseReader } from './browse.js';
import { setChecksum } from './directory.js';

const KIB = 1024;
const MIB = 1024 * KIB;

interface Volume {
  image: string;
  source: string;
  /** The tree as the FUSE driver shows it. */
  fuse: TreeLine[];
}

async function withTree<T>(image: string, use: (tree: FilesystemTree) => Promise<T>): Promise<T> {
  const file = await openFileReadAt(image);
  try {
    const tree = await exfatBrowseReader.open(file.read, file.size);
    if (!tree) throw new Error(`${image} is not exFAT to the reader`);
    return await use(tree);
  } finally {
    await file.close();
  }
}

/** The tree of `image` as the FUSE driver shows it, mounted read-only. */
async function fuseTree(image: string, mnt: string): Promise<TreeLine[]> {
  await mkdir(mnt, { recursive: true });
  const mount = await mountExfat(image, mnt, { readOnly: true });
  try {
    return await directoryTreeLines(mnt);
  } finally {
    await mount.unmount();
  }
}

/** Where the entry set named `name` starts in `bytes` (its name must be unique there). */
function entrySetAt(bytes: Buffer, name: string): number {
  const at = bytes.indexOf(Buffer.from(name, 'utf16le'));
  expect(at).toBeGreaterThan(0);
  expect(bytes.indexOf(Buffer.from(name, 'utf16le'), at + 1)).toBe(-1);
  // The name begins 2 bytes into the first File Name entry, after File and Stream Extension.
  const set = at - 2 - 2 * 32;
  expect(bytes[set]).toBe(0x85);
  return set;
}

/** Rewrites the checksum of the entry set at `set` to match its bytes. */
function resum(bytes: Buffer, set: number): void {
  const entries = Array.from({ length: bytes[set + 1]! + 1 }, (_, i) =>
    bytes.subarray(set + i * 32, set + i * 32 + 32),
  );
  bytes.writeUInt16LE(setChecksum(entries), set + 2);
}

const firstClusterOf = (bytes: Buffer, set: number) => bytes.readUInt32LE(set + 32 + 20);

describe.skipIf(noExfatFuseReason)(`exFAT browse (${noExfatFuseReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let main: Volume;
  beforeAll(async () => {
    dir = await tempDir();
    const tree = (source: string) => makeSourceTree(source, { emoji: true });
    main = await makeVolume('exfat', 128, '', tree, { count: 40, x: 9 * KIB + 3, y: 5 * KIB + 1 });
  });
  afterAll(() => dir?.remove());

  /**
   * A volume made by mkfs.exfat, filled through FUSE with a source tree (copied with its times)
   * and with two files written in turns in "fragments" (their clusters interleave: FAT chains).
   */
  async function makeVolume(
    name: string,
    mib: number,
    mkfs: string,
    makeSource: (source: string) => Promise<void>,
    turns: { count: number; x: number; y: number },
  ): Promise<Volume> {
    const image = join(dir.path, `${name}.img`);
    const source = join(dir.path, `${name}-source`);
    const mnt = join(dir.path, `${name}-mnt`);
    await makeSource(source);
    await sh(`truncate -s ${mib}M ${q(image)} && mkfs.exfat ${mkfs} -L Spillway ${q(image)}`);
    await mkdir(mnt);
    const mount = await mountExfat(image, mnt);
    try {
      await sh(`cp -a ${q(source)}/. ${q(mnt)}/`);
      await mkdir(join(mnt, 'fragments'));
      for (let i = 0; i < turns.count; i++) {
        await appendFile(join(mnt, 'fragments', 'x.bin'), Buffer.alloc(turns.x, i));
        await appendFile(join(mnt, 'fragments', 'y.bin'), Buffer.alloc(turns.y, 255 - i));
      }
    } finally {
      await mount.unmount();
    }
    expect((await shStatus(`fsck.exfat -n ${q(image)}`)).code).toBe(0);
    return { image, source, fuse: await fuseTree(image, mnt) };
  }

  it('the tree is what the FUSE driver shows, and the source', async () => {
    const lines = await withTree(main.image, async (tree) => {
      expect(tree.filesystem).toBe('exfat');
      expect(tree.label).toBe('Spillway');
      expect(tree.notes).toEqual([]);
      return browseTreeLines(tree);
    });
    expect(lines.length).toBeGreaterThan(330);
    expect(lines).toEqual(main.fuse);
    // What came from the source agrees with it (its times are even seconds exFAT keeps).
    const source = await directoryTreeLines(main.source);
    expect(lines.filter((line) => !line.path.startsWith('/fragments'))).toEqual(source);
    expect(lines.map((line) => line.path)).toContain('/😀 smile 🎉.txt');
  });

  it('fragmented files are FAT chains, the others contiguous', async () => {
    await withTree(main.image, async (tree) => {
      const fragments = await tree.list(await browsePath(tree, '/fragments'));
      expect(fragments.map((entry) => entry.key.split(':')[2])).toEqual(['f', 'f']);
      const big = await browsePath(tree, `/sizes/size ${3 * 2 ** 20 + 17}.bin`);
      expect(big.key.split(':')[2]).toBe('c');
    });
  });

  it('listing the root takes a few reads; paths are found whatever their case', async () => {
    const file = await openFileReadAt(main.image);
    try {
      const tree = (await exfatBrowseReader.open(file.read, file.size))!;
      const root = await tree.list(await tree.root());
      expect(root.map((entry) => entry.name)).toContain('readme.txt');
      // The boot sector, the boot region (its checksum), a piece of the FAT, the root's cluster.
      expect(file.counts.reads).toBe(4);
      const entry = await browsePath(tree, '/ÜNÏCÖDÉ FOLDER/NAÏVE CAFÉ.MD');
      expect(entry).toMatchObject({ name: 'naïve café.md', kind: 'file', size: 2000 });
      const missing = await browsePath(tree, '/nothing').catch((error: unknown) => error);
      expect(missing).toMatchObject({ problem: 'not-found', path: '/nothing' });
      expect(file.counts.largest).toBeLessThanOrEqual(2 ** 20);
    } finally {
      await file.close();
    }
  });

  it('4 MiB clusters: each is read in pieces of at most 1 MiB, and the tree is the same', async () => {
    // A few files: each takes whole 4 MiB clusters.
    const few = async (source: string) => {
      await mkdir(join(source, 'sub'), { recursive: true });
      await randomFile(join(source, 'five.bin'), 5 * MIB + 3, 'five');
      await randomFile(join(source, 'nine.bin'), 9 * MIB, 'nine');
      await writeFile(join(source, 'one byte'), 'x');
      await writeFile(join(source, 'empty'), '');
      await writeFile(join(source, 'sub', 'x.txt'), 'in a folder');
    };
    const volume = await makeVolume('big-clusters', 160, '-c 4M', few, {
      count: 6,
      x: MIB + 5,
      y: MIB,
    });
    const file = await openFileReadAt(volume.image);
    try {
      const tree = (await exfatBrowseReader.open(file.read, file.size))!;
      expect(await browseTreeLines(tree)).toEqual(volume.fuse);
      const x = await browsePath(tree, '/fragments/x.bin');
      expect(x.key.split(':')[2]).toBe('f'); // written in turns with y.bin: a FAT chain
      expect(file.counts.largest).toBe(2 ** 20);
    } finally {
      await file.close();
    }
  });

  describe('damage and odd corners', () => {
    /** A copy of the main volume changed by `change`, with its tree by the reader and FUSE. */
    async function changed(name: string, change: (bytes: Buffer) => void, fuse = true) {
      const bytes = await readFile(main.image);
      change(bytes);
      const copy = join(dir.path, `${name}.img`);
      await writeFile(copy, bytes);
      const errors: BrowseError[] = [];
      const lines = await withTree(copy, (tree) =>
        browseTreeLines(tree, { onError: (error) => errors.push(error) }),
      );
      const shown = fuse ? await fuseTree(copy, join(dir.path, `${name}-mnt`)) : [];
      return { copy, lines, errors, shown };
    }
    const without = (lines: TreeLine[], path: string) =>
      lines.filter((line) => !line.path.startsWith(`${path}/`));

    it('bytes past ValidDataLength read as zeros (exfat-fuse 1.3.0 shows what is on disk)', async () => {
      const path = '/sizes/size 65537.bin';
      const { copy, lines, errors, shown } = await changed('valid-length', (bytes) => {
        const set = entrySetAt(bytes, 'size 65537.bin');
        bytes.writeBigUInt64LE(5000n, set + 32 + 8); // ValidDataLength
        resum(bytes, set);
      });
      expect(errors).toEqual([]);
      const source = await readFile(join(main.source, path));
      const expected = Buffer.concat([source.subarray(0, 5000), Buffer.alloc(65537 - 5000)]);
      const got = await withTree(copy, async (tree) => {
        const parts: Uint8Array[] = [];
        for await (const part of tree.read(await browsePath(tree, path))) parts.push(part);
        return Buffer.concat(parts);
      });
      expect(got.equals(expected)).toBe(true);
      // Debian 12's exfat-fuse predates valid-length handling (relan/exfat 1.4.0): it returns
      // the clusters' stale bytes, where Windows, Linux's exfat and exfat-fuse 1.4 give zeros.
      const original = main.fuse.find((line) => line.path === path)!;
      expect(shown.find((line) => line.path === path)).toEqual(original);
      expect(lines.find((line) => line.path === path)).toEqual({
        ...original,
        sha256: createHash('sha256').update(expected).digest('hex'),
      });
      const others = (all: TreeLine[]) => all.filter((line) => line.path !== path);
      expect(others(lines)).toEqual(others(shown));
    });

    it('a time written at UTC-5 with hundredths: read at that offset, as the FUSE driver does', async () => {
      const path = '/readme.txt';
      const { lines, errors, shown } = await changed('offset', (bytes) => {
        const set = entrySetAt(bytes, 'readme.txt');
        bytes[set + 21] = 150; // LastModified10msIncrement: +1.5 s
        bytes[set + 23] = 0x80 | (-20 & 0x7f); // LastModifiedUtcOffset: valid, -20 × 15 min
        resum(bytes, set);
      });
      expect(errors).toEqual([]);
      const before = main.fuse.find((line) => line.path === path)!.mtimeMs!;
      const ours = lines.find((line) => line.path === path)!.mtimeMs!;
      expect(ours - before).toBe(5 * 3600_000 + 1500);
      // exfat-fuse keeps whole seconds of the hundredths.
      expect(shown.find((line) => line.path === path)!.mtimeMs).toBe(ours - 500);
    });

    it('a name with "/" in it, checksum and all: the folder is the error', async () => {
      const { lines, errors } = await changed(
        'slash',
        (bytes) => {
          const set = entrySetAt(bytes, 'naïve café.md');
          bytes.write('/', set + 64 + 2 + 2 * 5, 'utf16le'); // "naïve/café.md"
          resum(bytes, set);
        },
        false,
      );
      expect(errors.map((e) => `${e.problem} ${e.path}: ${e.reason}`)).toEqual([
        'damaged Ünïcödé Folder: its entries are damaged (entry 0 holds no valid name)',
      ]);
      expect(lines).toEqual(without(main.fuse, '/Ünïcödé Folder'));
    });

    it('an entry set whose checksum fails: listed, reading it is an error, the rest reads', async () => {
      const { lines, errors } = await changed(
        'bad-checksum',
        (bytes) => {
          const set = entrySetAt(bytes, 'readme.txt');
          bytes[set + 12]! ^= 0x01; // its modification time, without the checksum
        },
        false,
      );
      expect(errors.map((e) => `${e.problem} ${e.path}: ${e.reason}`)).toEqual([
        'damaged readme.txt: its directory entries fail their checksum',
      ]);
      const readme = lines.find((line) => line.path === '/readme.txt')!;
      expect(readme).toMatchObject({ kind: 'file', size: 0, mtimeMs: null, sha256: null });
      expect(lines.filter((line) => line !== readme)).toEqual(
        main.fuse.filter((line) => line.path !== '/readme.txt'),
      );
    });

    it("a folder's cluster overwritten, a chain that loops: errors for those alone", async () => {
      const { lines, errors } = await changed(
        'bad-folder-and-loop',
        (bytes) => {
          const g = parseBootSector(bytes.subarray(0, 512), bytes.length)!;
          const folder = firstClusterOf(bytes, entrySetAt(bytes, 'Ünïcödé Folder'));
          const at = g.heapOffset + (folder - 2) * g.clusterBytes;
          // A Stream Extension entry at the folder's start: it belongs to no file.
          bytes.fill(0, at, at + g.clusterBytes);
          bytes[at] = 0xc0;
          // x.bin's chain: its second cluster links back to its first.
          const x = firstClusterOf(bytes, entrySetAt(bytes, 'x.bin'));
          const second = bytes.readUInt32LE(g.fatOffset + x * 4);
          bytes.writeUInt32LE(x, g.fatOffset + second * 4);
        },
        false,
      );
      expect(errors.map((e) => `${e.problem} ${e.path}: ${e.reason}`).sort()).toEqual([
        'damaged x.bin: its cluster chain loops',
        'damaged Ünïcödé Folder: its entries are damaged (entry 0 belongs to no file)',
      ]);
      const expected = without(main.fuse, '/Ünïcödé Folder').map((line) =>
        line.path === '/fragments/x.bin' ? { ...line, sha256: null } : line,
      );
      expect(lines).toEqual(expected);
    });

    it('a damaged main boot sector: the backup is read, and a note says so', async () => {
      const bytes = await readFile(main.image);
      bytes[300]! ^= 0xff; // boot code: the checksum covers it
      const read = async (p: number, n: number) => bytes.subarray(p, p + n);
      const tree = (await exfatBrowseReader.open(read, bytes.length))!;
      expect(tree.notes).toEqual(['the main boot sector is damaged: its backup copy was used']);
      const dirty = Buffer.from(bytes);
      dirty[12 * 512 + 106]! |= 0x2; // the backup's VolumeFlags (outside its checksum): dirty
      const again = (await exfatBrowseReader.open(
        async (p, n) => dirty.subarray(p, p + n),
        dirty.length,
      ))!;
      expect(again.notes[1]).toMatch(/not cleanly removed/);
      expect((await tree.list(await tree.root())).length).toBeGreaterThan(5);
      bytes[12 * 512 + 300]! ^= 0xff; // and the backup's
      const error = await exfatBrowseReader.open(read, bytes.length).catch((e: unknown) => e);
      expect(error).toMatchObject({ problem: 'damaged', path: '/' });
      expect((error as BrowseError).reason).toMatch(/checksum/);
    });

    it('a folder whose entry points back at a folder above it: the walk ends', async () => {
      const key = await withTree(
        main.image,
        async (tree) => (await browsePath(tree, '/deep/a')).key,
      );
      const [, cluster, chain, length] = key.split(':');
      const { lines, errors } = await changed(
        'cycle',
        (bytes) => {
          // /deep/a/b/c/d/e/deep.txt becomes a folder with /deep/a's clusters.
          const set = entrySetAt(bytes, 'deep.txt');
          const stream = set + 32;
          bytes.writeUInt16LE(0x10, set + 4);
          bytes[stream + 1] = chain === 'c' ? 3 : 1;
          bytes.writeUInt32LE(Number(cluster), stream + 20);
          bytes.writeBigUInt64LE(BigInt(length!), stream + 8);
          bytes.writeBigUInt64LE(BigInt(length!), stream + 24);
          resum(bytes, set);
        },
        false,
      );
      expect(errors).toEqual([]);
      expect(lines.find((line) => line.path === '/deep/a/b/c/d/e/deep.txt')?.kind).toBe('folder');
      expect(lines.length).toBe(main.fuse.length);
    });
  });

  it('not exFAT: null', async () => {
    const fat = join(dir.path, 'fat.img');
    await sh(`mkfs.fat -F 16 -C ${q(fat)} 16384 >/dev/null`);
    const bytes = await readFile(fat);
    expect(
      await exfatBrowseReader.open(async (p, n) => bytes.subarray(p, p + n), bytes.length),
    ).toBeNull();
  });
});
