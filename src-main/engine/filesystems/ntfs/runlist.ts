// NTFS runlists ("mapping pairs"): where a non-resident attribute's clusters lie on the
// volume, run by run, with sparse runs (holes) that have no clusters behind them. A large or
// fragmented attribute may be split into pieces (extents) held by several MFT records, each
// with its own runlist for its own VCN span: joinPieces puts them back together, checked.

import { Distrust, type ReadAt } from '../../read-at.js';
import type { Attribute } from './records.js';

export interface Run {
  vcn: number;
  /** null: a sparse run (no clusters behind it). */
  lcn: number | null;
  length: number;
}

/**
 * Decodes a runlist ("mapping pairs"): per run a header byte (low nibble: bytes of the
 * length, high nibble: bytes of the signed LCN delta, 0 for a sparse run), then the two
 * little-endian numbers. Every run must lie inside the volume's `clusters`.
 */
export function decodeRuns(bytes: Buffer, firstVcn: number, clusters: number, what: string): Run[] {
  const bad = (why: string) => new Distrust(`NTFS ${what}: runlist ${why}`);
  const runs: Run[] = [];
  let vcn = firstVcn;
  let lcn = 0;
  for (let at = 0; ;) {
    if (at >= bytes.length) throw bad('has no end');
    const header = bytes[at]!;
    if (header === 0) break;
    const lengthBytes = header & 0x0f;
    const deltaBytes = header >> 4;
    if (lengthBytes === 0 || lengthBytes > 8 || deltaBytes > 8) throw bad('has a bad header');
    if (at + 1 + lengthBytes + deltaBytes > bytes.length) throw bad('runs off its attribute');
    const length = signedLE(bytes, at + 1, lengthBytes);
    if (length <= 0) throw bad('has an empty or negative run');
    let runLcn: number | null = null;
    if (deltaBytes > 0) {
      lcn += signedLE(bytes, at + 1 + lengthBytes, deltaBytes);
      if (lcn < 0 || lcn + length > clusters) throw bad('points outside the volume');
      runLcn = lcn;
    }
    runs.push({ vcn, lcn: runLcn, length });
    vcn += length;
    if (!Number.isSafeInteger(vcn)) throw bad('is too long');
    at += 1 + lengthBytes + deltaBytes;
  }
  return runs;
}

function signedLE(bytes: Buffer, at: number, n: number): number {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
  if (bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Distrust('NTFS runlist number out of range');
  }
  return Number(v);
}

/**
 * Reads `length` bytes at `offset` of a non-resident stream through its runs. A byte in a
 * sparse run or outside the runs is not on the disk: Distrust (none of the streams this
 * reader needs may have holes). Always returns a copy (fixups are applied in place).
 */
export async function readStream(
  read: ReadAt,
  runs: Run[],
  clusterSize: number,
  offset: number,
  length: number,
  what: string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let pos = offset; pos < offset + length;) {
    const vcn = Math.floor(pos / clusterSize);
    const run = findRun(runs, vcn);
    if (!run || run.lcn === null) {
      throw new Distrust(`NTFS ${what}: byte ${pos} is not mapped to clusters`);
    }
    const n = Math.min(offset + length, (run.vcn + run.length) * clusterSize) - pos;
    parts.push(await read(run.lcn * clusterSize + pos - run.vcn * clusterSize, n));
    pos += n;
  }
  return Buffer.concat(parts, length);
}

/** The run holding `vcn` in runs sorted by VCN (binary search), or undefined. */
export function findRun(runs: Run[], vcn: number): Run | undefined {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const run = runs[mid]!;
    if (vcn < run.vcn) hi = mid - 1;
    else if (vcn >= run.vcn + run.length) lo = mid + 1;
    else return run;
  }
  return undefined;
}

/** A whole non-resident attribute: its pieces joined, sizes checked against the runs. */
export interface JoinedStream {
  runs: Run[];
  /** VCNs the runs cover, from 0. */
  vcns: number;
  flags: number;
  compressionUnit: number;
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
}

/**
 * Joins the pieces of one non-resident attribute (all with the same type and name): they must
 * follow each other without gap or overlap from VCN 0, each runlist must cover exactly its
 * piece's VCN span, and the sizes (from the first piece, the only one that holds them) must
 * fit the clusters mapped.
 */
export function joinPieces(
  pieces: Attribute[],
  clusterSize: number,
  clusters: number,
  what: string,
): JoinedStream {
  const bad = (why: string) => new Distrust(`NTFS ${what}: ${why}`);
  const sorted = pieces
    .map((p) => {
      if (!p.nonResident) throw bad('is partly resident');
      return p.nonResident;
    })
    .sort((a, b) => a.lowestVcn - b.lowestVcn);
  const first = sorted[0];
  if (!first) throw bad('has no pieces');
  const runs: Run[] = [];
  let vcn = 0;
  for (const piece of sorted) {
    if (piece.lowestVcn !== vcn)
      throw bad(`piece at VCN ${piece.lowestVcn} leaves a gap or overlaps`);
    if (piece.highestVcn < piece.lowestVcn - 1) throw bad('has a piece that ends before it starts');
    const pieceRuns = decodeRuns(piece.runlist, piece.lowestVcn, clusters, what);
    const mapped = pieceRuns.reduce((n, r) => n + r.length, 0);
    if (mapped !== piece.highestVcn + 1 - piece.lowestVcn) {
      throw bad(`runs of the piece at VCN ${piece.lowestVcn} do not cover it`);
    }
    for (const run of pieceRuns) runs.push(run);
    vcn = piece.highestVcn + 1;
  }
  const { allocatedSize, dataSize, initializedSize, compressionUnit } = first;
  if (dataSize > allocatedSize || dataSize > vcn * clusterSize) {
    throw bad(`its size (${dataSize} bytes) is larger than its clusters`);
  }
  return {
    runs,
    vcns: vcn,
    flags: pieces.find((p) => p.nonResident === first)!.flags,
    compressionUnit,
    allocatedSize,
    dataSize,
    // Bytes past the initialized size were never written: they read as zeros.
    initializedSize: Math.min(initializedSize, dataSize),
  };
}
