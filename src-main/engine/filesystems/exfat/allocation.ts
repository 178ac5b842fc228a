// exFAT: everything before the cluster heap (both boot regions, the FAT and the alignment
// around it) is always in use; a cluster is in use when its bit is set in the Allocation
// Bitmap, which the root directory points to. The bitmap, not the FAT, says what is allocated:
// files stored contiguously ("NoFatChain") have no FAT entries at all. Anything this reader
// cannot vouch for (a volume left dirty, a boot region whose checksum fails, TexFAT, a chain
// that loops, a bitmap that does not mark its own metadata) reads the partition whole.

import type { ByteRange } from '../../../../src-shared/manifest.js';
import { Distrust, type ReadAt } from '../../read-at.js';
import { bitRuns, pushRange, type FilesystemReader } from '../allocation.js';
import {
  ACTIVE_FAT,
  bootRegionIsIntact,
  MEDIA_FAILURE,
  parseBootSector,
  VOLUME_DIRTY,
  type ExfatGeometry,
} from './boot-sector.js';

const END_OF_CHAIN = 0xffffffff;
const BAD_CLUSTER = 0xfffffff7;
/** The spec's limit for one directory: a longer root chain is a loop or garbage. */
const MAX_DIRECTORY_BYTES = 256 * 2 ** 20;
const MAX_BITMAP_BYTES = 512 * 2 ** 20;
/** The spec's largest up-case table: one UTF-16 unit for each of the 65536. */
const MAX_UPCASE_BYTES = 2 * 65536;
const FAT_CHUNK = 64 * 1024;
const ENTRY = 32;

/** The boot sector's geometry, with what this reader cannot vouch for refused. */
function geometryOf(boot: Buffer, size: number): ExfatGeometry | null {
  const g = parseBootSector(boot, size);
  if (!g) return null;
  if (g.fatCount === 2) throw new Distrust('exFAT with two FATs (TexFAT) is not read');
  if (g.flags & VOLUME_DIRTY) throw new Distrust('exFAT volume is dirty (not cleanly unmounted)');
  if (g.flags & MEDIA_FAILURE) throw new Distrust('exFAT volume has media failures recorded');
  if (g.flags & ACTIVE_FAT) throw new Distrust('exFAT points at a second FAT it does not have');
  return g;
}

function checkBootRegion(region: Buffer, sectorBytes: number): void {
  if (!bootRegionIsIntact(region, sectorBytes)) {
    throw new Distrust('exFAT boot checksum does not match');
  }
}

type Fat = (cluster: number) => Promise<number>;

/** FAT entries read in chunks as chains need them: the FAT can be far larger than the chains. */
function fatOf(read: ReadAt, g: ExfatGeometry): Fat {
  const chunks = new Map<number, Buffer>();
  return async (cluster) => {
    const at = cluster * 4;
    const index = Math.floor(at / FAT_CHUNK);
    let chunk = chunks.get(index);
    if (!chunk) {
      const start = index * FAT_CHUNK;
      chunk = await read(g.fatOffset + start, Math.min(FAT_CHUNK, g.fatBytes - start));
      chunks.set(index, chunk);
    }
    return chunk.readUInt32LE(at - index * FAT_CHUNK);
  };
}

/** The clusters of a chain; more than `limit` of them is a loop or garbage. */
async function chain(fat: Fat, g: ExfatGeometry, first: number, limit: number, what: string) {
  const clusters: number[] = [];
  for (let n = first; ;) {
    if (n < 2 || n > g.clusterCount + 1) throw new Distrust(`exFAT ${what} leaves the heap`);
    if (clusters.length >= limit) throw new Distrust(`exFAT ${what} is too long (a loop?)`);
    clusters.push(n);
    const next = await fat(n);
    if (next === END_OF_CHAIN) return clusters;
    if (next === BAD_CLUSTER) throw new Distrust(`exFAT ${what} holds a bad cluster`);
    n = next;
  }
}

/** The bytes of the given clusters, in order, read a contiguous run at a time. */
async function readClusters(read: ReadAt, g: ExfatGeometry, clusters: number[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < clusters.length;) {
    let j = i + 1;
    while (j < clusters.length && clusters[j] === clusters[j - 1]! + 1) j++;
    parts.push(await read(clusterAt(g, clusters[i]!), (j - i) * g.clusterBytes));
    i = j;
  }
  return Buffer.concat(parts);
}

const clusterAt = (g: ExfatGeometry, cluster: number) =>
  g.heapOffset + (cluster - 2) * g.clusterBytes;

interface RootEntries {
  bitmap: { first: number; length: number };
  upcase: { first: number; length: number };
  label?: string;
}

/** The critical entries of the root directory, up to its end-of-directory entry. */
export function rootEntries(directory: Buffer): RootEntries {
  let bitmap: RootEntries['bitmap'] | undefined;
  let upcase: RootEntries['upcase'] | undefined;
  let label: string | undefined;
  const extent = (at: number) => ({
    first: directory.readUInt32LE(at + 20),
    length: Number(directory.readBigUInt64LE(at + 24)),
  });
  for (let at = 0; at + ENTRY <= directory.length; at += ENTRY) {
    const type = directory[at]!;
    if (type === 0x00) break;
    if (type === 0x81) {
      // Bit 0 of BitmapFlags names the second bitmap, which only TexFAT has.
      if (bitmap || directory[at + 1]! & 1) throw new Distrust('exFAT has a second bitmap');
      bitmap = extent(at);
    } else if (type === 0x82) {
      if (upcase) throw new Distrust('exFAT has two up-case tables');
      upcase = extent(at);
    } else if (type === 0x83) {
      const count = directory[at + 1]!;
      if (count > 11) throw new Distrust('exFAT volume label too long');
      label = directory.toString('utf16le', at + 2, at + 2 + count * 2);
    }
  }
  if (!bitmap) throw new Distrust('exFAT allocation bitmap not found');
  if (!upcase) throw new Distrust('exFAT up-case table not found');
  return { bitmap, upcase, ...(label ? { label } : {}) };
}

export const exfatReader: FilesystemReader = {
  name: 'exfat',
  async read(read: ReadAt, size: number) {
    if (size < 24 * 512) return null;
    const g = geometryOf(await read(0, 512), size);
    if (!g) return null;
    checkBootRegion(await read(0, 12 * g.sectorBytes), g.sectorBytes);

    const fat = fatOf(read, g);
    const maxRootClusters = Math.max(1, Math.floor(MAX_DIRECTORY_BYTES / g.clusterBytes));
    const root = await chain(fat, g, g.rootCluster, maxRootClusters, 'root directory chain');
    const entries = rootEntries(await readClusters(read, g, root));

    const bitmapBytes = Math.ceil(g.clusterCount / 8);
    const { bitmap: b, upcase: u } = entries;
    if (b.length < bitmapBytes || b.length > MAX_BITMAP_BYTES) {
      throw new Distrust('exFAT allocation bitmap has the wrong length');
    }
    const bitmapClusters = await chain(
      fat,
      g,
      b.first,
      Math.ceil(b.length / g.clusterBytes),
      'bitmap chain',
    );
    if (bitmapClusters.length * g.clusterBytes < b.length) {
      throw new Distrust('exFAT bitmap chain is shorter than the bitmap');
    }
    const bitmap = (await readClusters(read, g, bitmapClusters)).subarray(0, bitmapBytes);
    // Its length bounds the chain's walk below: unchecked, a length of 2^62 let a chain that
    // loops run until memory ran out (found while reviewing the reader for fuzzing).
    if (u.length > MAX_UPCASE_BYTES) throw new Distrust('exFAT up-case table is too long');
    const upcaseClusters = await chain(
      fat,
      g,
      u.first,
      Math.max(1, Math.ceil(u.length / g.clusterBytes)),
      'up-case table chain',
    );

    // The bitmap marks the clusters of the volume's own metadata: if it does not, it is not
    // the bitmap fsck and the driver would trust.
    // (Arithmetic, not >>: cluster numbers go past 2^31.)
    const isSet = (cluster: number) =>
      (bitmap[Math.floor((cluster - 2) / 8)]! >> ((cluster - 2) % 8)) & 1;
    if (![...root, ...bitmapClusters, ...upcaseClusters].every(isSet)) {
      throw new Distrust('exFAT bitmap does not mark the volume metadata');
    }

    const used: ByteRange[] = [];
    pushRange(used, 0, g.heapOffset);
    for (const [first, end] of bitRuns(bitmap, g.clusterCount)) {
      pushRange(used, clusterAt(g, first + 2), clusterAt(g, end + 2));
    }
    // Sectors after the last cluster, and past the volume: kept.
    pushRange(used, clusterAt(g, g.clusterCount + 2), size);
    const id = g.serial.toString(16).padStart(8, '0').toUpperCase();
    return {
      filesystem: 'exfat',
      ...(entries.label ? { label: entries.label } : {}),
      uuid: `${id.slice(0, 4)}-${id.slice(4)}`,
      used,
    };
  },
};
