// Fuzzing the exFAT browse reader: a volume made by mkfs.exfat and filled through FUSE, its boot
// regions, FAT, root and folders mutated (fixed seed, ≤ 20 s), in half the runs with the entry
// sets' checksums made to match again so the mutations reach what they guard; walking the
// whole tree ends in BrowseErrors or a tree, never anything else (see
// test-support/browse-fuzz.ts for the rules). Needs root (FUSE, a loop device).

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSourceTree } from '../../../test-support/browse-source-tree.js';
import { fuzzBrowseReader, type FuzzRegion } from '../../../test-support/browse-fuzz.js';
import { mountExfat, noExfatFuseReason } from '../../../test-support/exfat-mount.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import type { Entry } from '../browse.js';
import { parseBootSector } from './boot-sector.js';
import { exfatBrowseReader } from './browse.js';
import { setChecksum } from './directory.js';

/** Fixed; another can be tried with SPILLWAY_FUZZ_SEED. */
const SEED = Number(process.env.SPILLWAY_FUZZ_SEED ?? 20261204);

describe.skipIf(noExfatFuseReason)(`exFAT browse fuzz (${noExfatFuseReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let volume: Buffer;
  beforeAll(async () => {
    dir = await tempDir();
    const source = join(dir.path, 'source');
    const image = join(dir.path, 'exfat.img');
    const mnt = join(dir.path, 'mnt');
    await makeSourceTree(source, { small: true, emoji: true });
    await sh(`truncate -s 8M ${q(image)} && mkfs.exfat -L Fuzz ${q(image)} >/dev/null`);
    await mkdir(mnt);
    const mount = await mountExfat(image, mnt);
    try {
      await sh(`cp -a ${q(source)}/. ${q(mnt)}/`);
      // Written in turns: FAT chains.
      for (let i = 0; i < 12; i++) {
        await appendFile(join(mnt, 'x.bin'), Buffer.alloc(5000, i));
        await appendFile(join(mnt, 'y.bin'), Buffer.alloc(4000, i));
      }
    } finally {
      await mount.unmount();
    }
    volume = await readFile(image);
  });
  afterAll(() => dir?.remove());

  it('mutated metadata, whole tree walked: only BrowseErrors', async () => {
    const g = parseBootSector(volume.subarray(0, 512), volume.length)!;
    const clusterStart = (cluster: number) => g.heapOffset + (cluster - 2) * g.clusterBytes;
    // Each folder's first cluster, found by the reader itself (the root's too).
    const tree = (await exfatBrowseReader.open(
      async (p, n) => volume.subarray(p, p + n),
      volume.length,
    ))!;
    const folders: number[] = [g.rootCluster];
    const walk = async (folder: Entry): Promise<void> => {
      for (const child of await tree.list(folder)) {
        if (child.kind !== 'folder') continue;
        folders.push(Number(child.key.split(':')[1]));
        await walk(child);
      }
    };
    await walk(await tree.root());
    // The FAT up to its last entry in use.
    let last = 2;
    for (let n = 2; n < g.clusterCount + 2; n++) {
      if (volume.readUInt32LE(g.fatOffset + n * 4) !== 0) last = n;
    }
    const region = 12 * g.sectorBytes;
    const regions: FuzzRegion[] = [
      { name: 'boot sector', start: 0, end: 512, weight: 2 },
      { name: 'boot region', start: 512, end: region, weight: 1 },
      { name: 'backup boot region', start: region, end: 2 * region, weight: 1 },
      { name: 'FAT', start: g.fatOffset, end: g.fatOffset + (last + 1) * 4, weight: 6 },
      ...folders.map((cluster) => ({
        name: `folder at cluster ${cluster}`,
        start: clusterStart(cluster),
        end: clusterStart(cluster) + g.clusterBytes,
        weight: 2,
      })),
    ];
    expect(folders.length).toBeGreaterThan(8);

    /** Every entry set in the folders' first clusters gets a checksum that matches again. */
    const resum = (bytes: Buffer) => {
      for (const cluster of folders) {
        const end = clusterStart(cluster) + g.clusterBytes;
        for (let at = clusterStart(cluster); at + 32 <= end; at += 32) {
          const count = bytes[at + 1]!;
          if (bytes[at] !== 0x85 || at + (count + 1) * 32 > end) continue;
          const set = Array.from({ length: count + 1 }, (_, i) =>
            bytes.subarray(at + i * 32, at + i * 32 + 32),
          );
          bytes.writeUInt16LE(setChecksum(set), at + 2);
        }
      }
    };

    const result = await fuzzBrowseReader({
      reader: exfatBrowseReader,
      volume,
      regions,
      near: [g.clusterCount, g.clusterCount + 1, g.clusterCount + 2, last, last + 1],
      seed: SEED,
      numRuns: 2000,
      timeLimitMs: 18_000,
      fixup: resum,
    });
    console.info('exFAT fuzz:', result);
    expect(result.runs).toBeGreaterThan(100);
    expect(result.refused).toBeGreaterThan(0);
    expect(result.partly).toBeGreaterThan(0);
    expect(result.clean).toBeGreaterThan(0);
  });
});
