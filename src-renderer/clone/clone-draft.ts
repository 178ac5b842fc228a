// The clone wizard's state and rules, pure: which drives may be chosen and why not, what the
// layout step shows (the old and the new partitions, on one scale), and which step may be
// left. As for a restore, nothing starts until the user has typed the target's name exactly
// as the plan shows it.

import type { ApiDrive, CloneParams } from '../../src-shared/api.js';
import type { ClonePlan, GrowChoice, LayoutPlan } from '../../src-shared/protocol/plans.js';
import { cautionWords } from '../../src-shared/target-rules.js';
import { formatBytes } from '../../src-shared/units.js';

export const CLONE_STEPS = ['source', 'target', 'layout', 'confirm'] as const;
export type CloneStep = (typeof CLONE_STEPS)[number];

export const CLONE_STEP_TITLES: Record<CloneStep, string> = {
  source: 'Drive to copy',
  target: 'Target drive',
  layout: 'Partitions',
  confirm: 'Confirm',
};

/** A plan, with what it was asked for: a plan of other drives or another choice is stale. */
export interface Planned {
  source: string;
  target: string;
  grow: GrowChoice;
  plan: ClonePlan;
}

export interface CloneDraft {
  step: CloneStep;
  source: string | null;
  target: string | null;
  /** Which partition grows on a larger drive. */
  grow: GrowChoice;
  planned: Planned | null;
  typedName: string;
  /** Give the copy its own disk and partition identifiers. */
  newIds: boolean;
  readBack: boolean;
}

export function newCloneDraft(): CloneDraft {
  return {
    step: 'source',
    source: null,
    target: null,
    grow: 'largest',
    planned: null,
    typedName: '',
    newIds: false,
    readBack: true,
  };
}

/** The plan for what the draft now names, or null while none is. */
export function currentPlan(draft: CloneDraft): ClonePlan | null {
  const p = draft.planned;
  return p && p.source === draft.source && p.target === draft.target && p.grow === draft.grow
    ? p.plan
    : null;
}

/** Why a drive cannot be copied, or null when it can. */
export function sourceWhyNot(drive: ApiDrive): string | null {
  return drive.size === 0 ? 'Cannot be copied: its size is 0 bytes' : null;
}

/** Why a drive cannot be the target, or null when it can (the restore's rules, and never
 *  the drive being copied). */
export function targetWhyNot(drive: ApiDrive, source: string | null): string | null {
  if (drive.path === source) return 'It is the drive being copied';
  if (!drive.canRestoreTo) return `Cannot be used: ${drive.cautions.map(cautionWords).join('; ')}`;
  return null;
}

export function stepProblem(draft: CloneDraft): string | null {
  const plan = currentPlan(draft);
  switch (draft.step) {
    case 'source':
      return draft.source ? null : 'Choose the drive to copy.';
    case 'target': {
      if (!draft.target) return 'Choose the drive to copy onto.';
      if (!plan) return 'Checking the drives…';
      return plan.refusals[0]?.message ?? null;
    }
    case 'layout':
      if (!plan) return 'Working out where the partitions go…';
      return plan.refusals[0]?.message ?? null;
    case 'confirm': {
      if (!plan || plan.refusals.length > 0) return 'Choose the drive to copy onto.';
      const name = plan.target.name;
      return draft.typedName === name ? null : `Type ${name} to confirm.`;
    }
  }
}

/** The startClone call; only when every rule holds. */
export function cloneParams(draft: CloneDraft): CloneParams | null {
  if (draft.step !== 'confirm' || stepProblem(draft) !== null) return null;
  const plan = currentPlan(draft)!;
  const shown = plan.target;
  return {
    source: draft.source!,
    target: draft.target!,
    confirmName: draft.typedName,
    // The drive as the user saw it: if the path leads elsewhere by now, nothing is written.
    expect: { size: shown.size, ...(shown.model !== undefined ? { model: shown.model } : {}) },
    grow: draft.grow,
    newIds: draft.newIds,
    readBack: draft.readBack,
  };
}

// ---- the layout step ---------------------------------------------------------------------

/** The filesystems the engine grows (plan-layout.ts); the others are not offered. */
const GROWABLE = new Set(['ext2', 'ext3', 'ext4', 'ntfs', 'fat12', 'fat16', 'fat32', 'exfat']);

/** The partitions a user may choose to grow, by number, with their filesystem. */
export function growablePartitions(plan: ClonePlan): Array<{ index: number; filesystem: string }> {
  return (plan.source.partitionTable?.partitions ?? []).flatMap((p) =>
    p.filesystem !== null && GROWABLE.has(p.filesystem)
      ? [{ index: p.index, filesystem: p.filesystem }]
      : [],
  );
}

/** Whether the target has room to grow into (the choice of what grows matters). */
export function targetIsLarger(plan: ClonePlan): boolean {
  return plan.target.size !== null && plan.target.size > plan.source.size;
}

export type SegmentChange = 'stays' | 'grows' | 'moves';

/** One partition in a bar, as fractions of the larger drive (both bars share one scale). */
export interface Segment {
  index: number;
  filesystem: string | null;
  left: number;
  width: number;
  size: number;
  change: SegmentChange;
}

export interface LayoutBars {
  /** The source's partitions, and the target's after the clone. */
  before: Segment[];
  after: Segment[];
  /** Each drive's length, as a fraction of the larger one. */
  sourceWidth: number;
  targetWidth: number;
}

/** The two bars of the layout step; MBR extended partitions (containers) are left out, the
 *  logical partitions inside them are shown. */
export function layoutBars(plan: ClonePlan): LayoutBars {
  const targetSize = plan.target.size ?? plan.source.size;
  const scale = Math.max(plan.source.size, targetSize, 1);
  const layout = plan.layout;
  const table = plan.source.partitionTable;
  const partitions = (table?.partitions ?? []).filter((p) => !isContainer(p.type));
  const before = partitions.map((p) => segment(p.index, p.filesystem, p.start, p.size, 'stays'));
  const after =
    layout?.kind === 'grow'
      ? layout.partitions
          .filter((p) => !p.container)
          .map((p) =>
            segment(
              p.index,
              p.filesystem,
              p.newStart,
              p.newSize,
              p.newSize !== p.size ? 'grows' : p.newStart !== p.start ? 'moves' : 'stays',
            ),
          )
      : before.filter((s) => s.left * scale < keptEnd(layout, targetSize));
  return {
    before,
    after,
    sourceWidth: plan.source.size / scale,
    targetWidth: targetSize / scale,
  };

  function segment(
    index: number,
    filesystem: string | null,
    start: number,
    size: number,
    change: SegmentChange,
  ): Segment {
    return { index, filesystem, left: start / scale, width: size / scale, size, change };
  }
}

const keptEnd = (layout: LayoutPlan | null, targetSize: number) =>
  layout?.kind === 'keep' ? layout.writeEnd : targetSize;

function isContainer(type: string): boolean {
  return ['0x05', '0x0f', '0x85'].includes(type);
}

const KEEP_WORDS: Record<Extract<LayoutPlan, { kind: 'keep' }>['why'], string> = {
  'same-size': 'The drives are the same size: every partition stays where it is.',
  smaller:
    'The target is smaller, but nothing past its end is in use: every partition stays where it is.',
  'no-grow':
    'No partition grows: every partition stays where it is, and the extra space is left unused.',
  'no-table': 'The drive has no partition table: it is copied byte for byte where it is.',
  'no-data-partition':
    'No partition holds a filesystem that can be grown: every partition stays where it is.',
  'too-little-room': 'The target is less than 1 MiB larger: every partition stays where it is.',
};

/** What the clone does to the layout, one sentence a fact. */
export function layoutSentences(plan: ClonePlan): string[] {
  const layout = plan.layout;
  if (!layout) return [];
  if (layout.kind === 'keep') return [KEEP_WORDS[layout.why]];
  const lines: string[] = [];
  for (const p of layout.partitions) {
    if (p.container) continue;
    const fs = p.filesystem ? ` (${p.filesystem})` : '';
    if (p.newSize !== p.size) {
      const grows = `Partition ${p.index}${fs} grows from ${formatBytes(p.size)} to ${formatBytes(p.newSize)}`;
      lines.push(
        p.filesystem === 'exfat'
          ? `${grows}; its exFAT filesystem keeps its size (exFAT cannot be grown).`
          : `${grows}, and its filesystem is grown to fill it.`,
      );
    } else if (p.newStart !== p.start) {
      lines.push(`Partition ${p.index}${fs} moves to the end of the drive.`);
    }
  }
  return lines;
}
