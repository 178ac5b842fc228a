// Cluster chains, shared by FAT and exFAT: following a chain through the table (never trusting
// it: every link is bounds-checked, a loop is caught, the length is capped), and reading the
// bytes of a chain with one read per run of contiguous clusters, at most 1 MiB each (the image
// reader below decodes whole frames of several MiB: few large reads are what it does well).

import { Distrust, type ReadAt } from '../../read-at.js';
import { BAD_CLUSTER, END_OF_CHAIN, FREE_CLUSTER, type FatTable } from './fat-table.js';

/** The largest read a browse reader asks for, and the largest chunk of a file it hands out. */
export const MAX_READ = 2 ** 20;

/** Where the clusters lie: cluster n (2 … clusterCount + 1) at offset + (n - 2) × clusterBytes. */
export interface ClusterHeap {
  offset: number;
  clusterBytes: number;
  clusterCount: number;
}

/** Clusters `first` … `first + count - 1`, contiguous on the disk. */
export interface ClusterRun {
  first: number;
  count: number;
}

export const isCluster = (heap: ClusterHeap, n: number) =>
  Number.isInteger(n) && n >= 2 && n <= heap.clusterCount + 1;

/**
 * The chain from `first`, as runs of contiguous clusters. `exactly`: the chain must hold at
 * least `clusters` clusters and only those are followed (a file: its size says how many; what
 * follows is not needed). `at-most`: the chain must end by `clusters` (a folder: a longer chain
 * is a loop or garbage).
 */
export async function* chainRuns(
  heap: ClusterHeap,
  fat: FatTable,
  first: number,
  clusters: number,
  mode: 'exactly' | 'at-most',
): AsyncGenerator<ClusterRun> {
  if (!isCluster(heap, first))
    throw new Distrust(`its first cluster (${first}) is not on the volume`);
  let run: ClusterRun = { first, count: 1 };
  let taken = 1;
  // Brent's cycle detection: a tortoise that jumps to the current cluster every power of two
  // steps; the chain loops if it ever meets the tortoise again. Constant memory, and a loop is
  // caught within about twice its length plus the way into it.
  let tortoise = first;
  let power = 1;
  let steps = 0;
  for (let cluster = first; ;) {
    if (mode === 'exactly' && taken === clusters) break;
    const next = await fat.next(cluster);
    if (next === END_OF_CHAIN) {
      if (mode === 'exactly') throw new Distrust('its cluster chain ends before its size');
      break;
    }
    if (next === BAD_CLUSTER) throw new Distrust('its cluster chain runs into a bad cluster');
    if (next === FREE_CLUSTER) throw new Distrust('its cluster chain runs into a free cluster');
    if (!isCluster(heap, next)) throw new Distrust('its cluster chain leaves the volume');
    if (next === tortoise) throw new Distrust('its cluster chain loops');
    if (++steps === power) {
      tortoise = next;
      power *= 2;
      steps = 0;
    }
    if (++taken > clusters) throw new Distrust('its cluster chain is too long (a loop?)');
    // A run is handed on when it is not contiguous any more, or when it covers a whole read:
    // a file stored in one piece streams from its first MiB, not after its whole chain.
    if (next === run.first + run.count && run.count * heap.clusterBytes < MAX_READ) {
      run.count++;
    } else {
      yield run;
      run = { first: next, count: 1 };
    }
    cluster = next;
  }
  yield run;
}

/** The single run of a file stored contiguously (exFAT's NoFatChain), checked. */
export async function* contiguousRun(
  heap: ClusterHeap,
  first: number,
  clusters: number,
): AsyncGenerator<ClusterRun> {
  if (!isCluster(heap, first) || !isCluster(heap, first + clusters - 1)) {
    throw new Distrust('its clusters are not on the volume');
  }
  yield { first, count: clusters };
}

/** The bytes from `start`, `length` long, in reads of at most MAX_READ. */
export async function* readRange(
  read: ReadAt,
  start: number,
  length: number,
): AsyncGenerator<Buffer> {
  for (let at = start; at < start + length; at += MAX_READ) {
    yield await read(at, Math.min(MAX_READ, start + length - at));
  }
}

/**
 * The first `bytes` bytes of the runs (all of them when null), in reads of at most MAX_READ.
 * Contiguous runs are read together.
 */
export async function* readRuns(
  read: ReadAt,
  heap: ClusterHeap,
  runs: AsyncIterable<ClusterRun>,
  bytes: number | null,
): AsyncGenerator<Buffer> {
  let left = bytes ?? Infinity;
  // The byte range not read yet: [start, end) in the partition.
  let start = 0;
  let end = 0;
  async function* flush(all: boolean): AsyncGenerator<Buffer> {
    while (end - start >= MAX_READ || (all && end > start)) {
      const length = Math.min(MAX_READ, end - start);
      yield await read(start, length);
      start += length;
    }
  }
  for await (const run of runs) {
    if (left <= 0) break;
    const at = heap.offset + (run.first - 2) * heap.clusterBytes;
    const length = Math.min(run.count * heap.clusterBytes, left);
    left -= length;
    if (at !== end) {
      yield* flush(true);
      start = at;
      end = at;
    }
    end += length;
    yield* flush(false);
  }
  yield* flush(true);
  if (bytes !== null && left > 0) throw new Distrust('its clusters hold less than its size');
}
