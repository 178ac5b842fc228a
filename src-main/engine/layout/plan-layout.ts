// Where the partitions go on a target of another size: pure, the source's partition table and
// the two sizes in, a layout (or a refusal, as facts) out.
//
// Onto a larger drive one data partition grows to fill it: the partitions after it (a
// recovery partition, swap) move to the end of the drive by the same whole number of MiB, so
// what was aligned stays aligned, and everything before it stays where it was. That one
// shift is the whole plan: the bytes before the grown partition's end stay, the bytes after
// it move, and the bytes past the last partition (a GPT's backup copy) are not carried over.
// Onto a smaller drive nothing moves: it is allowed only when every byte past the new end is
// "don't care" (smaller-target.ts).

import type { Manifest, Partition, PartitionTable } from '../../../src-shared/manifest.js';
import type {
  GrowChoice,
  LayoutPlan,
  PlacedPartition,
} from '../../../src-shared/protocol/plans.js';
import { shrinkVerdict } from './smaller-target.js';

export const MiB = 2 ** 20;

/** Filesystems a restore grows, and the tool that grows each (exFAT: none exists). */
export const GROW_TOOLS: Record<string, 'resize2fs' | 'ntfsresize' | 'fatresize' | null> = {
  ext2: 'resize2fs',
  ext3: 'resize2fs',
  ext4: 'resize2fs',
  ntfs: 'ntfsresize',
  fat12: 'fatresize',
  fat16: 'fatresize',
  fat32: 'fatresize',
  exfat: null,
};

/** The data filesystems the default choice picks from (exFAT cannot be grown). */
const DATA = new Set(['ext2', 'ext3', 'ext4', 'ntfs', 'fat12', 'fat16', 'fat32']);

export type LayoutRefusal =
  /** Data lies past the end of a smaller target. */
  | { code: 'target-too-small'; dataBytes: number; partition: number | null }
  /** `grow` names no partition of the source. */
  | { code: 'no-such-partition'; partition: number }
  /** `grow` names a partition holding no filesystem that can be grown. */
  | { code: 'cannot-grow'; partition: number; filesystem: string | null };

export type LayoutVerdict =
  { ok: true; layout: LayoutPlan } | { ok: false; refusal: LayoutRefusal };

export interface LayoutInput {
  /** What the source holds: its partition table and its "don't care" ranges. */
  source: Pick<Manifest, 'partitionTable' | 'dontCare'>;
  sourceSize: number;
  targetSize: number;
  grow: GrowChoice;
}

/** Sectors a GPT's backup copy takes at the end: 128 entries of 128 bytes, and the header. */
const gptTailSectors = (sectorSize: number) => Math.ceil((128 * 128) / sectorSize) + 1;

/** The first byte past what partitions may use on a target of `size` bytes. */
export function usableEnd(
  table: Pick<PartitionTable, 'type' | 'sectorSize'>,
  size: number,
): number {
  const sectors = Math.floor(size / table.sectorSize);
  if (table.type === 'gpt') return (sectors - gptTailSectors(table.sectorSize)) * table.sectorSize;
  // An MBR entry counts sectors in 32 bits.
  return Math.min(sectors, 2 ** 32 - 1) * table.sectorSize;
}

export function planLayout(input: LayoutInput): LayoutVerdict {
  const { source, sourceSize, targetSize, grow } = input;
  const table = source.partitionTable;
  const keep = (why: Extract<LayoutPlan, { kind: 'keep' }>['why']): LayoutVerdict => ({
    ok: true,
    layout: { kind: 'keep', why, targetSize, writeEnd: Math.min(sourceSize, targetSize) },
  });

  // A partition named to grow must be one that can be, whatever the sizes.
  let chosen: Partition | undefined;
  if (typeof grow === 'number') {
    chosen = table?.partitions.find((p) => p.index === grow && !isContainer(p));
    if (!chosen) return { ok: false, refusal: { code: 'no-such-partition', partition: grow } };
    if (!(chosen.filesystem !== null && chosen.filesystem in GROW_TOOLS)) {
      return {
        ok: false,
        refusal: { code: 'cannot-grow', partition: grow, filesystem: chosen.filesystem },
      };
    }
  }

  if (targetSize < sourceSize) {
    const verdict = shrinkVerdict(source, sourceSize, targetSize);
    if (!verdict.fits) {
      return {
        ok: false,
        refusal: {
          code: 'target-too-small',
          dataBytes: verdict.dataBytes,
          partition: verdict.partition,
        },
      };
    }
    return keep('smaller');
  }
  if (targetSize === sourceSize) return keep('same-size');
  if (grow === 'none') return keep('no-grow');
  if (!table || table.partitions.length === 0) return keep('no-table');
  chosen ??= largestData(table.partitions);
  if (!chosen) return keep('no-data-partition');

  const cut = chosen.start + chosen.size;
  // Everything that moves: the partitions (and MBR extended ones) from the cut on.
  const end = Math.max(cut, ...table.partitions.map((p) => p.start + p.size));
  const room = usableEnd(table, targetSize) - end;
  const shift = Math.floor(room / MiB) * MiB;
  if (shift < MiB) return keep('too-little-room');

  const partitions: PlacedPartition[] = table.partitions.map((p) => {
    const pEnd = p.start + p.size;
    // The grown partition, and an extended one holding it, end at or after the cut.
    const grows = p.start < cut && pEnd >= cut;
    return {
      index: p.index,
      filesystem: p.filesystem,
      container: isContainer(p),
      start: p.start,
      size: p.size,
      newStart: p.start >= cut ? p.start + shift : p.start,
      newSize: grows ? p.size + shift : p.size,
    };
  });
  return {
    ok: true,
    layout: {
      kind: 'grow',
      table: table.type,
      sectorSize: table.sectorSize,
      targetSize,
      grown: chosen.index,
      cut,
      end,
      shift,
      partitions,
    },
  };
}

/** An MBR extended partition: recorded with no filesystem and an extended type byte. */
function isContainer(p: Partition): boolean {
  return ['0x05', '0x0f', '0x85'].includes(p.type);
}

function largestData(partitions: readonly Partition[]): Partition | undefined {
  let best: Partition | undefined;
  for (const p of partitions) {
    if (p.filesystem !== null && DATA.has(p.filesystem) && (!best || p.size > best.size)) best = p;
  }
  return best;
}

/**
 * Where a range of the source's bytes goes on the target: pieces of it with their new
 * positions, in increasing order (the map only ever moves bytes forward, so writes made in the
 * source's order stay in increasing order on the target). Bytes with no place (past the
 * target's end, or past the last partition when the layout grows) are left out.
 */
export function placeRange(
  layout: LayoutPlan,
  start: number,
  end: number,
): Array<{ start: number; end: number; to: number }> {
  const pieces: Array<{ start: number; end: number; to: number }> = [];
  const add = (a: number, b: number, shift: number) => {
    if (b > a) pieces.push({ start: a, end: b, to: a + shift });
  };
  if (layout.kind === 'keep') {
    add(start, Math.min(end, layout.writeEnd), 0);
    return pieces;
  }
  add(start, Math.min(end, layout.cut), 0);
  add(Math.max(start, layout.cut), Math.min(end, layout.end), layout.shift);
  return pieces;
}
