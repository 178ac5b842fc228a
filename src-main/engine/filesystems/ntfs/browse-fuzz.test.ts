// Fuzzing the NTFS browse reader: a small real volume (a folder index of several nodes, a file
// whose names spill into extension records, compressed and sparse files, a fragmented file),
// then mutated where its metadata is (MFT records, index blocks, compressed clusters, the boot
// sector) and walked whole: open, list every folder, read every file, read every link. Whatever
// the bytes, each step must end with a result or a BrowseError: never another exception, a
// hang, a read outside the partition or above the reader's cap, or a write to the bytes it
// was given. The seed and the time budget are fixed.

import { link, mkdir, open, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noNtfsReason } from '../../../test-support/ntfs-mount.js';
import {
  makeNtfsVolume,
  NTFS_ATTR_COMPRESSED_FOLDER,
  ntfsinfo,
  setNtfsAttributes,
} from '../../../test-support/ntfs-volume.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Distrust, type ReadAt } from '../../read-at.js';
import {
  parseAttributeList,
  parseFileName,
  parseReparsePoint,
  parseStandardInformation,
} from './attribute-values.js';
import { parseIndexBlock, parseIndexRoot } from './folder-index.js';
import { parseRecord } from './records.js';
import { joinPieces } from './runlist.js';
import { BrowseError, type Entry, type FilesystemTree } from '../browse.js';
import { ntfsBrowseReader } from './browse.js';
import { MAX_READ } from './stream-reader.js';

const MIB = 2 ** 20;
const SIZE = 16 * MIB;
const SEED = 20261204;
const TIME_BUDGET_MS = 25_000;
const PER_RUN_MS = 10_000;
/** A walk reads at most this much of one file (a mutated size can claim terabytes of holes). */
const READ_PER_FILE = MIB;
const MAX_ENTRIES = 20_000;

async function fill(root: string): Promise<void> {
  await mkdir(join(root, 'dir/sub'), { recursive: true });
  for (let i = 0; i < 120; i++) {
    await writeFile(
      join(root, 'dir', `file number ${i} ünïcødé`),
      i % 10 === 0 ? 'x'.repeat(i * 40) : `${i}`,
    );
  }
  await writeFile(join(root, 'dir/sub/names'), 'many names\n');
  for (let i = 0; i < 30; i++)
    await link(join(root, 'dir/sub/names'), join(root, `dir/sub/name ${i} of the file`));
  await symlink('dir/sub/names', join(root, 'link'));
  await mkdir(join(root, 'packed'));
  await setNtfsAttributes(join(root, 'packed'), NTFS_ATTR_COMPRESSED_FOLDER);
  const text = Array.from({ length: 8000 }, (_, i) => `line ${i} of a compressible file\n`).join(
    '',
  );
  await writeFile(join(root, 'packed/text.txt'), text);
  const holes = await open(join(root, 'packed/holes.bin'), 'w');
  await holes.write(text.slice(0, 3000), 200_000);
  await holes.close();
  const sparse = await open(join(root, 'sparse.bin'), 'w');
  await sparse.write('end', 3 * MIB);
  await sparse.close();
  // Fragmented: fill, free every other file, grow one file into the holes.
  await mkdir(join(root, 'fill'));
  const chunk = Buffer.alloc(16 * 1024, 0x33);
  let n = 0;
  try {
    for (; ; n++) await writeFile(join(root, 'fill', `${n}`), chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  for (let i = 0; i < n; i += 2) await rm(join(root, 'fill', `${i}`));
  const fragmented = await open(join(root, 'fragmented.bin'), 'w');
  for (let i = 0; i < Math.min(80, n / 8 - 4); i++)
    await fragmented.write(Buffer.alloc(64 * 1024, i));
  await fragmented.close();
  // The filler goes: its records stay behind, not in use (and not mutated: nothing reads them).
  for (let i = 1; i < n; i += 2) await rm(join(root, 'fill', `${i}`));
}

/** Byte ranges of the image that hold metadata (and compressed data), where mutations go. */
async function targets(image: string, bytes: Buffer): Promise<[number, number][]> {
  const ranges: [number, number][] = [[0, 512]];
  for (let at = 0; at + 1024 <= bytes.length; at += 1024) {
    const magic = bytes.toString('latin1', at, at + 4);
    const inUse = (bytes.readUInt16LE(at + 0x16) & 1) === 1;
    if (magic === 'FILE' && inUse) ranges.push([at, at + 1024]);
    if (magic === 'INDX' && at % 4096 === 0) ranges.push([at, at + 4096]);
  }
  // The compressed file's clusters (LZNT1 chunks), from ntfsinfo's runlist.
  const info = await ntfsinfo(image, '/packed/text.txt');
  for (const [, lcn, length] of info.matchAll(
    /^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)$/gim,
  )) {
    const start = parseInt(lcn!, 16) * 4096;
    ranges.push([start, start + parseInt(length!, 16) * 4096]);
  }
  return ranges;
}

type Mutation = (image: Buffer) => void;

/** Mutations aimed at numbers (lengths, offsets, counts, VCNs, LCNs), plus blind ones. */
function mutation(ranges: [number, number][]): fc.Arbitrary<Mutation> {
  const position = fc
    .tuple(fc.nat({ max: ranges.length - 1 }), fc.nat({ max: 65535 }))
    .map(([r, offset]) => {
      const [a, b] = ranges[r]!;
      return a + (offset % (b - a));
    });
  const value = fc.constantFrom(
    0n,
    1n,
    2n,
    0x7fn,
    0x80n,
    0xffn,
    0x1000n,
    0xffffn,
    0x7fffffffn,
    0xffffffffn,
    0x7fffffffffffffffn,
    0xffffffffffffffffn,
  );
  return fc.oneof(
    fc.tuple(position, fc.integer({ min: 0, max: 255 })).map(
      ([at, v]): Mutation =>
        (b) =>
          void (b[at] = v),
    ),
    fc.tuple(position, fc.integer({ min: 0, max: 7 })).map(
      ([at, bit]): Mutation =>
        (b) =>
          void (b[at]! ^= 1 << bit),
    ),
    fc.tuple(position, fc.constantFrom(2, 4, 8), value).map(([at, width, v]): Mutation => (b) => {
      for (let i = 0; i < width && at + i < b.length; i++)
        b[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
    }),
    // A small number (a length, a count) nudged.
    fc.tuple(position, fc.integer({ min: -16, max: 16 })).map(([at, d]): Mutation => (b) => {
      if (at + 2 <= b.length) b.writeUInt16LE((b.readUInt16LE(at) + d) & 0xffff, at);
    }),
  );
}

interface Outcome {
  browseErrors: number;
  entries: number;
  bytesRead: number;
}

/** Walks the whole tree; any error but a BrowseError escapes. */
async function walk(read: ReadAt, size: number): Promise<Outcome> {
  const outcome: Outcome = { browseErrors: 0, entries: 0, bytesRead: 0 };
  const tolerate = async <T>(step: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof BrowseError)) throw error;
      outcome.browseErrors++;
      return undefined;
    }
  };
  const tree = await tolerate(() => ntfsBrowseReader.open(read, size));
  if (!tree) return outcome;
  const root = await tolerate(() => tree.root());
  if (!root) return outcome;
  const seen = new Set<string>();
  const visit = async (folder: Entry): Promise<void> => {
    if (seen.has(folder.key)) return; // a loop in a damaged tree: the walker's to avoid
    seen.add(folder.key);
    const entries = (await tolerate(() => tree.list(folder))) ?? [];
    for (const entry of entries) {
      if (++outcome.entries > MAX_ENTRIES) return;
      if (entry.kind === 'folder') await visit(entry);
      else if (entry.kind === 'symlink') await tolerate(() => tree.readLink(entry));
      else if (entry.kind === 'file') await tolerate(() => readSome(tree, entry, outcome));
    }
  };
  await visit(root);
  return outcome;
}

async function readSome(tree: FilesystemTree, entry: Entry, outcome: Outcome): Promise<void> {
  let n = 0;
  for await (const chunk of tree.read(entry)) {
    if (chunk.length > MIB) throw new Error(`a chunk of ${chunk.length} bytes`);
    n += chunk.length;
    outcome.bytesRead += chunk.length;
    if (n >= READ_PER_FILE) return;
  }
}

describe.skipIf(noNtfsReason)(
  `NTFS browse fuzzing${noNtfsReason ? ` (skipped: ${noNtfsReason})` : ''}`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let seed: Buffer;
    let ranges: [number, number][];

    beforeAll(async () => {
      dir = await tempDir('spillway-ntfs-fuzz-');
      const image = join(dir.path, 'seed.img');
      await writeFile(image, Buffer.alloc(0));
      await truncate(image, SIZE);
      await makeNtfsVolume(image, join(dir.path, 'mnt'), 'fuzz', fill);
      seed = await readFile(image);
      ranges = await targets(image, seed);
    }, 300_000);
    afterAll(() => dir?.remove());

    it('the seed walks clean: every entry, no error', async () => {
      const outcome = await walk(async (p, n) => seed.subarray(p, p + n), SIZE);
      expect(outcome.browseErrors).toBe(0);
      expect(outcome.entries).toBeGreaterThan(150);
      expect(ranges.length).toBeGreaterThan(100);
    });

    it('mutated metadata: only BrowseErrors, no hang, no read outside or above the cap, no write', async () => {
      const image = Buffer.alloc(SIZE);
      const expected = Buffer.alloc(SIZE);
      const stats = { runs: 0, withErrors: 0, clean: 0, largestRead: 0 };
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(
          fc.array(mutation(ranges), { minLength: 1, maxLength: 4 }),
          async (mutations) => {
            seed.copy(image);
            for (const mutate of mutations) mutate(image);
            image.copy(expected);
            const read: ReadAt = async (position, length) => {
              if (
                !Number.isSafeInteger(position) ||
                !Number.isSafeInteger(length) ||
                position < 0 ||
                length < 0 ||
                position + length > SIZE
              ) {
                throw new Error(`read of ${length} bytes at ${position}: outside the partition`);
              }
              if (length > MAX_READ) throw new Error(`read of ${length} bytes: above the cap`);
              stats.largestRead = Math.max(stats.largestRead, length);
              // The image's own bytes, not a copy: the reader must not change them.
              return image.subarray(position, position + length);
            };
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`walk took over ${PER_RUN_MS} ms: a hang`)),
                PER_RUN_MS,
              );
            });
            try {
              const outcome = await Promise.race([walk(read, SIZE), timeout]);
              stats.runs++;
              if (outcome.browseErrors > 0) stats.withErrors++;
              else stats.clean++;
            } finally {
              clearTimeout(timer);
            }
            expect(image.equals(expected)).toBe(true);
          },
        ),
        {
          seed: SEED,
          numRuns: 100_000,
          interruptAfterTimeLimit: TIME_BUDGET_MS,
          markInterruptAsFailure: false,
          endOnFailure: true,
        },
      );
      const seconds = (performance.now() - started) / 1000;
      console.info(
        `NTFS fuzz: ${stats.runs} mutated volumes in ${seconds.toFixed(1)} s (${stats.withErrors} with BrowseErrors, ${stats.clean} clean), largest read ${stats.largestRead} bytes, rss ${(process.memoryUsage().rss / MIB).toFixed(0)} MiB`,
      );
      // The mutations reach the parsers: some volumes get errors, some walk clean.
      expect(stats.runs).toBeGreaterThan(100);
      expect(stats.withErrors).toBeGreaterThan(stats.runs / 10);
      expect(stats.clean).toBeGreaterThan(0);
    }, 60_000);

    it('mutated records and index blocks: every parser says Distrust or gives a result', () => {
      const blocks = ranges
        .filter(
          ([a, b]) => b - a <= 4096 && ['FILE', 'INDX'].includes(seed.toString('latin1', a, a + 4)),
        )
        .map(([a, b]) => seed.subarray(a, b));
      const only = (parse: () => unknown) => {
        try {
          parse();
        } catch (error) {
          if (!(error instanceof Distrust)) throw error;
        }
      };
      let parsed = 0;
      fc.assert(
        fc.property(
          fc.nat({ max: blocks.length - 1 }),
          fc.array(fc.tuple(fc.nat({ max: 4095 }), fc.nat({ max: 255 })), {
            minLength: 1,
            maxLength: 6,
          }),
          (which, changes) => {
            const block = Buffer.from(blocks[which]!);
            for (const [at, value] of changes) block[at % block.length] = value;
            if (block.toString('latin1', 0, 4) === 'INDX') {
              only(() =>
                parseIndexBlock(block, Number(blocks[which]!.readBigUInt64LE(0x10)), 'fuzz'),
              );
              return;
            }
            only(() => {
              const record = parseRecord(block, blocks[which]!.readUInt32LE(0x2c));
              parsed++;
              for (const attr of record.attributes) {
                const value = attr.value ?? Buffer.alloc(0);
                if (attr.nonResident) only(() => joinPieces([attr], 4096, SIZE / 4096, 'fuzz'));
                if (attr.type === 0x10) only(() => parseStandardInformation(value, 'fuzz'));
                if (attr.type === 0x20) only(() => parseAttributeList(value, 'fuzz'));
                if (attr.type === 0x30) only(() => parseFileName(value, 'fuzz'));
                if (attr.type === 0x90) only(() => parseIndexRoot(value, 'fuzz'));
                if (attr.type === 0xc0) only(() => parseReparsePoint(value, 'fuzz'));
              }
            });
          },
        ),
        { seed: SEED, numRuns: 30_000 },
      );
      // Most mutations leave a record that still parses: its attributes are what get fuzzed.
      expect(parsed).toBeGreaterThan(10_000);
    });
  },
);
