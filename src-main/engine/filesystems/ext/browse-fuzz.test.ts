// Fuzzing the ext browse reader: small real filesystems (mke2fs from a folder: extents,
// block maps, inline data) with their metadata mutated (what the reader reads on a clean walk
// but file content: superblock, descriptors, inodes, folder blocks, extent and indirect
// blocks), then walked whole: every folder listed, every file read (up to 2 MiB), every link
// resolved. Whatever the bytes, the walk ends with results or BrowseErrors, never another exception,
// never an endless walk (reads are counted), never a read over 1 MiB or outside the image.
// The seed and the budget are fixed.

import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { BrowseError, type Entry, type FilesystemTree } from '../browse.js';
import type { ReadAt } from '../../read-at.js';
import { extBrowseReader } from './browse.js';

const SEED = 20261204;
const RUNS = Number(process.env.SPILLWAY_FUZZ_RUNS ?? 1000);
/** Stop early, successfully, past this: the whole file stays within its budget. */
const TIME_LIMIT_MS = Number(process.env.SPILLWAY_FUZZ_MS ?? 15_000);
const MAX_READ = 1024 * 1024;
/** Reads one walk may make: a clean walk of these images takes a few hundred. */
const MAX_READS = 20_000;
/** Bytes read of each file: a damaged size may claim terabytes of holes, which is legal. */
const FILE_BYTES_READ = 2 * MAX_READ;

class TooManyReads extends Error {}

function count(error: BrowseError): void {
  const reason = error.reason.replaceAll(/\d+/g, 'N');
  reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
}

interface Seed {
  name: string;
  bytes: Buffer;
  /** [offset, length] of every read a clean walk makes, but for file content. */
  regions: Array<[number, number]>;
}

/** BrowseErrors met by all walks, by reason (numbers and names left out). */
const reasons = new Map<string, number>();

/**
 * Walks the whole tree, as a CLI extract would, swallowing only BrowseErrors (counted in
 * `reasons`); every chunk of file content goes to `onChunk`.
 */
async function walkAll(
  tree: FilesystemTree,
  onChunk: (chunk: Uint8Array) => void = () => {},
): Promise<number> {
  let entries = 0;
  const seen = new Set<string>();
  const folders: Entry[] = [await tree.root()];
  const attempt = async (what: () => Promise<void>) => {
    try {
      await what();
    } catch (error) {
      if (!(error instanceof BrowseError)) throw error;
      count(error);
    }
  };
  while (folders.length > 0) {
    const folder = folders.pop()!;
    if (seen.has(folder.key)) continue;
    seen.add(folder.key);
    await attempt(async () => {
      for (const entry of await tree.list(folder)) {
        entries++;
        if (entry.kind === 'folder') folders.push(entry);
        if (entry.kind === 'symlink') await attempt(async () => void (await tree.readLink(entry)));
        if (entry.kind === 'file' || entry.kind === 'other') {
          await attempt(async () => {
            let bytes = 0;
            for await (const chunk of tree.read(entry)) {
              expect(chunk.byteLength).toBeLessThanOrEqual(MAX_READ);
              onChunk(chunk);
              bytes += chunk.byteLength;
              if (bytes >= FILE_BYTES_READ) break;
            }
          });
        }
      }
    });
  }
  return entries;
}

/** A ReadAt over `bytes` that holds the reader to its limits (and logs what it gives). */
function strictReadAt(bytes: Buffer, log?: Map<Buffer, [number, number]>): ReadAt {
  let reads = 0;
  return async (position, length) => {
    if (++reads > MAX_READS) throw new TooManyReads(`more than ${MAX_READS} reads`);
    if (!Number.isSafeInteger(position) || position < 0 || position + length > bytes.length) {
      throw new RangeError(`a read of ${length} bytes at ${position}, outside the image`);
    }
    if (length > MAX_READ) throw new RangeError(`a read of ${length} bytes (over 1 MiB)`);
    const given = bytes.subarray(position, position + length);
    log?.set(given, [position, length]);
    return given;
  };
}

describe('ext browse reader, fuzzed metadata', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const seeds: Seed[] = [];
  beforeAll(async () => {
    dir = await tempDir();
    const source = join(dir.path, 'source');
    await sh(
      [
        `mkdir -p ${q(source)}/a/b/c ${q(source)}/many && cd ${q(source)}`,
        `printf 'hello' > a/hello.txt && head -c 70 /dev/urandom > a/b/seventy.bin`,
        `head -c 300000 /dev/urandom > a/b/c/block-map-double.bin`,
        `python3 -c "
import os
fd = os.open('fragmented.bin', os.O_WRONLY | os.O_CREAT, 0o644)
for i in range(60):
    os.pwrite(fd, os.urandom(1024), i * 3072)
os.close(fd)"`,
        `for i in $(seq 1 80); do printf "$i" > many/name-number-$i.txt; done`,
        `ln -s a/hello.txt link && ln -s ${q('y/'.repeat(50))} long-link`,
        `ln a/hello.txt hard-link`,
      ].join(' && '),
    );
    for (const [name, mkfs] of [
      ['ext4, extents', 'mkfs.ext4 -b 1024'],
      ['ext2, block maps', 'mkfs.ext2 -b 1024'],
      ['ext4, inline data', 'mkfs.ext4 -b 1024 -O inline_data'],
    ] as const) {
      const image = join(dir.path, `${seeds.length}.img`);
      await sh(`truncate -s 3M ${q(image)} && ${mkfs} -q -F -d ${q(source)} ${q(image)}`);
      const bytes = await readFile(image);
      const reads = new Map<Buffer, [number, number]>();
      const tree = (await extBrowseReader.open(strictReadAt(bytes, reads), bytes.length))!;
      // The clean walk sees all 92 entries: 80 in many/, 11 more and lost+found. A chunk of
      // file content is the very buffer read (the reader does not copy): what is left is
      // metadata, where the mutations go.
      expect(await walkAll(tree, (chunk) => reads.delete(chunk as Buffer))).toBe(92);
      const regions = [...reads.values()];
      expect(regions.length).toBeGreaterThan(10);
      seeds.push({ name, bytes, regions });
    }
  });
  afterAll(() => dir?.remove());

  it('a walk of mutated metadata ends in entries or BrowseErrors, within its limits', async () => {
    const interesting = fc.constantFrom(
      0,
      1,
      2,
      11,
      0x8000,
      0x8001,
      0xffff,
      0x10000,
      0x7fffffff,
      0x80000000,
      0xffffffff,
    );
    /** Where to write, inside a region a clean walk read, and what: a byte, u16 or u32. */
    const mutation = fc.record({
      region: fc.nat(),
      at: fc.nat(),
      width: fc.constantFrom(1, 2, 4),
      value: fc.oneof(interesting, fc.nat({ max: 0xffffffff })),
    });
    let cases = 0;
    let walked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (which, mutations) => {
          const seed = seeds[which]!;
          const bytes = Buffer.from(seed.bytes);
          for (const m of mutations) {
            const [start, length] = seed.regions[m.region % seed.regions.length]!;
            const at = start + (m.at % Math.max(1, length - m.width));
            if (m.width === 1) bytes[at] = m.value & 0xff;
            else if (m.width === 2) bytes.writeUInt16LE(m.value & 0xffff, at);
            else bytes.writeUInt32LE(m.value >>> 0, at);
          }
          cases++;
          try {
            const tree = await extBrowseReader.open(strictReadAt(bytes), bytes.length);
            if (tree) walked += await walkAll(tree);
          } catch (error) {
            if (!(error instanceof BrowseError)) throw error;
            count(error);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    const common = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log(
      `ext fuzz: ${cases} mutated filesystems, ${walked} entries walked; BrowseErrors:\n` +
        common.map(([reason, n]) => `  ${n} × ${reason}`).join('\n'),
    );
    expect(cases).toBeGreaterThan(50);
  });
});
