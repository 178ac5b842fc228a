// The last steps of a restore or clone onto a drive of another size, once every partition's
// bytes are at their new places and read back: the partition table for the target (tables
// from the source, rewritten), the moved volumes' own-position fields, then the kernel is
// told of the new table and the grown partition's filesystem is grown to fill it.

import type { LayoutResult } from '../../../src-shared/protocol/events.js';
import type { LayoutPlan } from '../../../src-shared/protocol/plans.js';
import { partitionNode, rereadPartitions } from '../device/partition-nodes.js';
import { Distrust, type ReadAt } from '../read-at.js';
import { growFilesystem } from './grow-filesystem.js';
import { ownPositionWrites } from './own-position.js';
import { placeRange } from './plan-layout.js';
import { tableWrites } from './write-table.js';

/** What the last steps need of the target. */
export interface LaidOutTarget {
  readonly path: string;
  read(length: number, position: number): Promise<Buffer>;
  write(data: Uint8Array, position: number): Promise<void>;
  flush(): Promise<void>;
}

/**
 * The source's bytes as the target now holds them: a read at a source position is answered
 * from where the layout put those bytes (the table's sectors all lie in written ranges).
 */
export function sourceView(target: LaidOutTarget, layout: LayoutPlan): ReadAt {
  return async (position, length) => {
    const pieces = placeRange(layout, position, position + length);
    const parts = await Promise.all(pieces.map((p) => target.read(p.end - p.start, p.to)));
    const bytes = Buffer.concat(parts);
    if (bytes.length !== length) throw new Distrust('the partition table lies outside the copy');
    return bytes;
  };
}

export interface FinishOptions {
  sourceSize: number;
  sectorSize: number;
  newIds: boolean;
  onPhase(message: string): void;
}

/**
 * Writes the table for `layout` (and the moved volumes' fields). Returns what was done;
 * undefined when the layout is the image's own and nothing was needed. The filesystem is
 * grown by growLaidOut, once the target is closed (the tools open the partition exclusively).
 */
export async function writeLayout(
  target: LaidOutTarget,
  layout: LayoutPlan,
  table: 'gpt' | 'mbr',
  options: FinishOptions,
): Promise<LayoutResult | undefined> {
  // Kept on a larger drive: only a GPT's backup copy moves to the new end (or new ids).
  const tableNeeded =
    layout.kind === 'grow' ||
    options.newIds ||
    (table === 'gpt' && layout.why === 'no-grow') ||
    (table === 'gpt' && layout.why === 'no-data-partition') ||
    (table === 'gpt' && layout.why === 'too-little-room') ||
    (table === 'gpt' && layout.why === 'smaller');
  if (!tableNeeded) return undefined;
  options.onPhase(`Writing the partition table of ${target.path}`);
  const writes = await tableWrites(sourceView(target, layout), options.sourceSize, layout, {
    targetSize: layout.targetSize,
    sectorSize: options.sectorSize,
    newIds: options.newIds,
  });
  const own =
    layout.kind === 'grow'
      ? await ownPositionWrites((p, n) => target.read(n, p), layout.partitions)
      : [];
  for (const { bytes, position } of [...writes, ...own].sort((a, b) => a.position - b.position)) {
    await target.write(bytes, position);
  }
  await target.flush();
  const result: LayoutResult = {
    grown: null,
    moved: [],
    bootSectorsUpdated: [],
    newIds: options.newIds,
  };
  if (layout.kind !== 'grow') return result;
  result.moved = layout.partitions
    .filter((p) => p.newStart !== p.start && !p.container)
    .map((p) => p.index);
  result.bootSectorsUpdated = layout.partitions
    .filter((p) => own.some((w) => w.position === p.newStart))
    .map((p) => p.index);
  return result;
}

/** Tells the kernel of the new table and grows the grown partition's filesystem. */
export async function growLaidOut(
  disk: string,
  layout: LayoutPlan,
  result: LayoutResult,
  onPhase: (message: string) => void,
): Promise<void> {
  if (layout.kind !== 'grow') return;
  const grown = layout.partitions.find((p) => p.index === layout.grown)!;
  await rereadPartitions(disk);
  const node = await partitionNode(disk, grown.index, grown.newStart, grown.newSize);
  onPhase(`Growing partition ${grown.index} (${grown.filesystem ?? 'no filesystem'})`);
  result.grown = await growFilesystem(node, grown);
}
