// Fuzzing the FAT browse reader: FAT12, FAT16 and FAT32 volumes made by mkfs.fat and filled by
// mtools, their boot sector, FAT, root folder and folders mutated (fixed seed, a few seconds
// each); walking the whole tree ends in BrowseErrors or a tree, never anything else (see
// test-support/browse-fuzz.ts for the rules). Needs no root.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSourceTree } from '../../../test-support/browse-source-tree.js';
import { fuzzBrowseReader, type FuzzRegion } from '../../../test-support/browse-fuzz.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import type { Entry } from '../browse.js';
import { parseFatBootSector } from './boot-sector.js';
import { fatBrowseReader } from './browse.js';

const MTOOLS = 'LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1';
/** Fixed; another can be tried with SPILLWAY_FUZZ_SEED. */
const SEED = Number(process.env.SPILLWAY_FUZZ_SEED ?? 20261204);

/** The metadata of a FAT volume: what the fuzzer mutates. */
async function regionsOf(volume: Buffer): Promise<{ regions: FuzzRegion[]; near: number[] }> {
  const g = parseFatBootSector(volume.subarray(0, 512), volume.length)!;
  const entryBytes = g.bits / 8;
  // The FAT up to its last entry in use.
  let last = 2;
  for (let n = 2; n < g.clusterCount + 2; n++) {
    const at = g.fatOffset + Math.floor(n * entryBytes);
    const value =
      g.bits === 12
        ? volume.readUInt16LE(at) & (n & 1 ? 0xfff0 : 0x0fff)
        : volume.readUIntLE(at, entryBytes);
    if (value !== 0) last = n;
  }
  const regions: FuzzRegion[] = [
    { name: 'boot sector', start: 0, end: 512, weight: 2 },
    {
      name: 'FAT',
      start: g.fatOffset,
      end: g.fatOffset + Math.ceil((last + 1) * entryBytes),
      weight: 4,
    },
  ];
  if (g.bits !== 32) {
    regions.push({ name: 'root', start: g.rootOffset, end: g.rootOffset + g.rootBytes, weight: 6 });
  }
  // Each folder's first cluster (the FAT32 root among them), found by the reader itself.
  const tree = (await fatBrowseReader.open(
    async (p, n) => volume.subarray(p, p + n),
    volume.length,
  ))!;
  const keys = new Set<string>();
  const walk = async (folder: Entry) => {
    keys.add(folder.key);
    for (const child of await tree.list(folder)) if (child.kind === 'folder') await walk(child);
  };
  await walk(await tree.root());
  for (const key of keys) {
    const cluster = /^d:(\d+)$/.exec(key);
    if (!cluster) continue;
    const start = g.dataOffset + (Number(cluster[1]) - 2) * g.clusterBytes;
    regions.push({
      name: `folder ${key}`,
      start,
      end: start + g.clusterBytes,
      weight: 1,
    });
  }
  const near = [g.clusterCount, g.clusterCount + 1, g.clusterCount + 2, last, last + 1];
  return { regions, near };
}

describe('FAT browse fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
    await makeSourceTree(join(dir.path, 'source'), { small: true });
  });
  afterAll(() => dir?.remove());

  it.each([
    ['FAT12', '-F 12', 1440],
    ['FAT16', '-F 16', 16384],
    ['FAT32', '-F 32 -s 1', 34816],
  ])('%s: mutated metadata, whole tree walked: only BrowseErrors', async (name, mkfs, kib) => {
    const image = join(dir.path, `${name}.img`);
    await sh(`mkfs.fat ${mkfs} -C ${q(image)} ${kib} >/dev/null`);
    const source = join(dir.path, 'source');
    await sh(`shopt -s dotglob && ${MTOOLS} mcopy -s -m -i ${q(image)} ${q(source)}/* ::/`);
    const volume = await readFile(image);
    const { regions, near } = await regionsOf(volume);
    expect(regions.length).toBeGreaterThan(8);
    const result = await fuzzBrowseReader({
      reader: fatBrowseReader,
      volume,
      regions,
      near,
      seed: SEED,
      numRuns: 1000,
      timeLimitMs: 6000,
    });
    console.info(`${name} fuzz:`, result);
    expect(result.runs).toBeGreaterThan(50);
    // The mutations reach every outcome: refused volumes, damaged entries, harmless changes.
    expect(result.refused).toBeGreaterThan(0);
    expect(result.partly).toBeGreaterThan(0);
    expect(result.clean).toBeGreaterThan(0);
  });
});
