// Reading the bytes of an NTFS attribute's value (a file's $DATA, a folder's index, an
// attribute list): resident values are in the MFT record; non-resident ones are read through
// their runs, where sparse runs and bytes past the initialized size read as zeros, and
// compressed ones decode unit by unit (LZNT1).
//
// A range is first planned (which bytes are zeros, which are clusters on the disk, which are
// compressed units), then read: clusters that follow each other on the disk are read at once,
// so a file stored in one piece costs one read per window whatever its runs look like.

import { Distrust, type ReadAt } from '../../read-at.js';
import { decompressLznt1 } from './lznt1.js';
import { ATTR_FLAG_COMPRESSION_MASK } from './records.js';
import { findRun, type JoinedStream } from './runlist.js';

/** The most one read asks of the disk: memory stays bounded by a few of these. */
export const MAX_READ = 4 * 2 ** 20;
/** A compression unit larger than this is not one NTFS makes (16 × 4 KiB = 64 KiB). */
const MAX_UNIT_BYTES = 2 ** 20;

/** Where an attribute's value comes from. */
export type StreamSource =
  | { resident: Buffer }
  | {
      resident?: undefined;
      stream: JoinedStream;
      /** Bytes per compression unit; 0 when the stream is not compressed. */
      unitBytes: number;
    };

export interface Volume {
  read: ReadAt;
  clusterSize: number;
}

export function streamSize(source: StreamSource): number {
  return source.resident ? source.resident.length : source.stream.dataSize;
}

/** Bytes per compression unit of a stream that says it is LZNT1-compressed. */
export function compressionUnitBytes(
  stream: JoinedStream,
  clusterSize: number,
  what: string,
): number {
  const method = stream.flags & ATTR_FLAG_COMPRESSION_MASK;
  if (method === 0) return 0;
  if (method !== 1) throw new Distrust(`NTFS ${what}: unknown compression method ${method}`);
  const shift = stream.compressionUnit;
  if (shift < 1 || shift > 16 || clusterSize * 2 ** shift > MAX_UNIT_BYTES) {
    throw new Distrust(`NTFS ${what}: compression unit of 2^${shift} clusters is implausible`);
  }
  return clusterSize * 2 ** shift;
}

/** A piece of a planned range: zeros, bytes on the disk, or part of a compressed unit. */
type Piece =
  | { kind: 'zero'; at: number; length: number }
  | { kind: 'disk'; at: number; length: number; disk: number }
  | {
      kind: 'compressed';
      at: number;
      length: number;
      /** Offset of the wanted bytes within the decoded unit. */
      skip: number;
      unitBytes: number;
      /** Where the compressed bytes are, in order. */
      extents: Extent[];
    };

interface Extent {
  disk: number;
  length: number;
}

/**
 * Reads bytes [from, from + length) of the value (length at most MAX_READ; the caller stays
 * inside the value's size). A returned buffer may be the disk reader's own: copy it before
 * changing it.
 */
export async function readStreamRange(
  volume: Volume,
  source: StreamSource,
  from: number,
  length: number,
  what: string,
): Promise<Buffer> {
  if (source.resident) return source.resident.subarray(from, from + length);
  if (length > MAX_READ) throw new Error(`internal: read of ${length} bytes is above the cap`);
  const { stream, unitBytes } = source;
  const pieces = merge(planRange(volume.clusterSize, stream, unitBytes, from, length, what));
  const only = pieces[0];
  if (pieces.length === 1 && only?.kind === 'disk') return volume.read(only.disk, only.length);
  // Every extent the pieces need, read together: a compressed file's units lie one after the
  // other on the disk (their holes take no clusters), so a window of them is one read.
  const extents = pieces.flatMap((p) =>
    p.kind === 'disk' ? [p] : p.kind === 'compressed' ? p.extents : [],
  );
  const bytes = await readExtents(volume, extents);
  const out = Buffer.alloc(length);
  let next = 0;
  for (const piece of pieces) {
    if (piece.kind === 'disk') bytes[next++]!.copy(out, piece.at);
    else if (piece.kind === 'compressed') {
      const parts = piece.extents.map(() => bytes[next++]!);
      decompressUnit(parts.length === 1 ? parts[0]! : Buffer.concat(parts), piece, out, what);
    }
  }
  return out;
}

/** Plans [from, from + length) of a non-resident stream into pieces, in order. */
function planRange(
  clusterSize: number,
  stream: JoinedStream,
  unitBytes: number,
  from: number,
  length: number,
  what: string,
): Piece[] {
  const pieces: Piece[] = [];
  const end = from + length;
  // Past the initialized size nothing was written: zeros (compressed streams too).
  const written = Math.max(from, Math.min(end, stream.initializedSize));
  if (unitBytes === 0) {
    for (const extent of mapClusters(clusterSize, stream, from, written, what)) {
      pieces.push(
        extent.disk === null
          ? { kind: 'zero', at: extent.at - from, length: extent.length }
          : { kind: 'disk', at: extent.at - from, length: extent.length, disk: extent.disk },
      );
    }
  } else {
    for (
      let unitStart = Math.floor(from / unitBytes) * unitBytes;
      unitStart < written;
      unitStart += unitBytes
    ) {
      const a = Math.max(from, unitStart);
      const b = Math.min(written, unitStart + unitBytes);
      pieces.push(
        ...planUnit(clusterSize, stream, unitStart, unitBytes, a, b, what).map((p) => ({
          ...p,
          at: p.at - from,
        })),
      );
    }
  }
  if (written < end) pieces.push({ kind: 'zero', at: written - from, length: end - written });
  return pieces;
}

/** Bytes [from, to) of the stream as extents on the disk (disk null: a hole), in order. */
function* mapClusters(
  clusterSize: number,
  stream: JoinedStream,
  from: number,
  to: number,
  what: string,
): Generator<{ at: number; length: number; disk: number | null }> {
  for (let pos = from; pos < to;) {
    const run = findRun(stream.runs, Math.floor(pos / clusterSize));
    if (!run) throw new Distrust(`NTFS ${what}: byte ${pos} is outside its runs`);
    const runEnd = Math.min(to, (run.vcn + run.length) * clusterSize);
    const disk = run.lcn === null ? null : run.lcn * clusterSize + (pos - run.vcn * clusterSize);
    yield { at: pos, length: runEnd - pos, disk };
    pos = runEnd;
  }
}

/**
 * Bytes [a, b) of the compression unit at `unitStart`. A unit without clusters is a hole
 * (zeros); a unit with all its clusters is stored as is; a unit with some clusters and then a
 * hole is compressed, its clusters holding LZNT1 chunks.
 */
function planUnit(
  clusterSize: number,
  stream: JoinedStream,
  unitStart: number,
  unitBytes: number,
  a: number,
  b: number,
  what: string,
): Piece[] {
  // The stream's last unit may be cut short by the end of its runs.
  const unitEnd = Math.min(unitStart + unitBytes, stream.vcns * clusterSize);
  const extents: Extent[] = [];
  let holeSeen = false;
  for (const extent of mapClusters(clusterSize, stream, unitStart, unitEnd, what)) {
    if (extent.disk === null) holeSeen = true;
    else if (holeSeen) {
      throw new Distrust(
        `NTFS ${what}: compressed unit at byte ${unitStart} has clusters after its hole`,
      );
    } else extents.push({ disk: extent.disk, length: extent.length });
  }
  if (extents.length === 0) return [{ kind: 'zero', at: a, length: b - a }];
  if (holeSeen) {
    return [{ kind: 'compressed', at: a, length: b - a, skip: a - unitStart, unitBytes, extents }];
  }
  // Stored as is: the wanted bytes straight from the disk.
  return [...mapClusters(clusterSize, stream, a, Math.min(b, unitEnd), what)].map((e) => ({
    kind: 'disk' as const,
    at: e.at,
    length: e.length,
    disk: e.disk!,
  }));
}

/** Joins zero pieces that follow each other, and disk pieces that are adjacent on the disk. */
function merge(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const last = out[out.length - 1];
    if (last?.kind === 'zero' && piece.kind === 'zero') last.length += piece.length;
    else if (
      last?.kind === 'disk' &&
      piece.kind === 'disk' &&
      last.disk + last.length === piece.disk &&
      last.at + last.length === piece.at
    ) {
      last.length += piece.length;
    } else out.push({ ...piece });
  }
  return out;
}

/** Decodes a compressed unit and copies the part of it the piece wants into `out`. */
function decompressUnit(
  compressed: Buffer,
  piece: Extract<Piece, { kind: 'compressed' }>,
  out: Buffer,
  what: string,
): void {
  const unit = Buffer.alloc(piece.unitBytes);
  try {
    decompressLznt1(compressed, unit);
  } catch (error) {
    if (error instanceof Distrust) throw new Distrust(`NTFS ${what}: ${error.message}`);
    throw error;
  }
  unit.copy(out, piece.at, piece.skip, piece.skip + piece.length);
}

/**
 * The bytes of each extent, in the order given, read in as few reads as the disk allows:
 * extents adjacent on the disk (in any order) are read at once, up to MAX_READ a read.
 */
async function readExtents(volume: Volume, extents: Extent[]): Promise<Buffer[]> {
  const order = extents.map((_, i) => i).sort((a, b) => extents[a]!.disk - extents[b]!.disk);
  const spans: { disk: number; length: number; members: number[] }[] = [];
  for (const i of order) {
    const e = extents[i]!;
    const last = spans[spans.length - 1];
    const end = last ? Math.max(last.disk + last.length, e.disk + e.length) : 0;
    if (last && e.disk <= last.disk + last.length && end - last.disk <= MAX_READ) {
      last.length = end - last.disk;
      last.members.push(i);
    } else spans.push({ disk: e.disk, length: e.length, members: [i] });
  }
  const bytes: Buffer[] = new Array<Buffer>(extents.length);
  await Promise.all(
    spans.map(async (span) => {
      const read = await volume.read(span.disk, span.length);
      for (const i of span.members) {
        const at = extents[i]!.disk - span.disk;
        bytes[i] = read.subarray(at, at + extents[i]!.length);
      }
    }),
  );
  return bytes;
}

/** Bytes each chunk a stream yields holds at most. */
export const CHUNK = 2 ** 20;

/**
 * The whole value of a stream, in order, in chunks of at most CHUNK bytes: read MAX_READ at
 * a time (fewer, larger reads: the image reader under decodes whole frames).
 */
export async function* streamChunks(
  volume: Volume,
  source: StreamSource,
  what: string,
): AsyncGenerator<Buffer> {
  const size = streamSize(source);
  for (let pos = 0; pos < size;) {
    const n = Math.min(MAX_READ, size - pos);
    const window = await readStreamRange(volume, source, pos, n, what);
    for (let i = 0; i < n; i += CHUNK) yield window.subarray(i, Math.min(n, i + CHUNK));
    pos += n;
  }
}
