import { describe, expect, it } from 'vitest';
import type { ApiDrive } from '../../src-shared/api.js';
import type { ClonePlan, LayoutPlan } from '../../src-shared/protocol/plans.js';
import { apiDrive } from '../../src-main/test-support/records.js';
import {
  cloneParams,
  currentPlan,
  growablePartitions,
  layoutBars,
  layoutSentences,
  newCloneDraft,
  sourceWhyNot,
  stepProblem,
  targetIsLarger,
  targetWhyNot,
  type CloneDraft,
} from './clone-draft.js';

const MiB = 2 ** 20;

/** The fixture disk's shape: an ESP, ext4, swap; 160 MiB, onto a drive of 320 MiB. */
const partitions = [
  { index: 1, start: 1 * MiB, size: 32 * MiB, type: 'esp', filesystem: 'fat32', mode: 'used' },
  { index: 2, start: 33 * MiB, size: 100 * MiB, type: 'linux', filesystem: 'ext4', mode: 'used' },
  { index: 3, start: 133 * MiB, size: 26 * MiB, type: 'swap', filesystem: 'swap', mode: 'used' },
] as const;

const grow: LayoutPlan = {
  kind: 'grow',
  table: 'gpt',
  sectorSize: 512,
  targetSize: 320 * MiB,
  grown: 2,
  cut: 133 * MiB,
  end: 159 * MiB,
  shift: 160 * MiB,
  partitions: partitions.map((p) => ({
    index: p.index,
    filesystem: p.filesystem,
    container: false,
    start: p.start,
    size: p.size,
    newStart: p.index === 3 ? p.start + 160 * MiB : p.start,
    newSize: p.index === 2 ? p.size + 160 * MiB : p.size,
  })),
};

const plan: ClonePlan = {
  source: {
    path: '/dev/sdb',
    size: 160 * MiB,
    partitionTable: {
      type: 'gpt',
      id: 'disk-guid',
      sectorSize: 512,
      partitions: partitions.map((p) => ({ ...p })),
    },
    bytesToRead: 40 * MiB,
  },
  target: {
    path: '/dev/sdc',
    kind: 'device',
    name: 'sdc',
    size: 320 * MiB,
    exists: true,
    model: 'Big SSD',
    partitions: [],
    mounted: [],
    disks: ['sdc'],
  },
  erases: 'everything on /dev/sdc (320 MiB, Big SSD)',
  refusals: [],
  layout: grow,
};

function draft(change: Partial<CloneDraft>): CloneDraft {
  return {
    ...newCloneDraft(),
    source: '/dev/sdb',
    target: '/dev/sdc',
    planned: { source: '/dev/sdb', target: '/dev/sdc', grow: 'largest', plan },
    ...change,
  };
}

/** A drive to copy onto (the source in these tests is /dev/sdb). */
const drive = (change: Partial<ApiDrive>): ApiDrive =>
  apiDrive({ path: '/dev/sdc', description: 'Big SSD', size: 320 * MiB, ...change });

describe('choosing the drives', () => {
  it('never offers the drive being copied as the target, and says why', () => {
    expect(targetWhyNot(drive({ path: '/dev/sdb' }), '/dev/sdb')).toBe(
      'It is the drive being copied',
    );
    expect(targetWhyNot(drive({}), '/dev/sdb')).toBeNull();
  });

  it('greys out a target with the restore’s reasons', () => {
    const system = drive({ system: true, canRestoreTo: false, cautions: [{ kind: 'system' }] });
    expect(targetWhyNot(system, '/dev/sdb')).toBe('Cannot be used: this computer runs from it');
  });

  it('offers any drive with something on it as a source', () => {
    expect(sourceWhyNot(drive({ system: true }))).toBeNull();
    expect(sourceWhyNot(drive({ size: 0 }))).toMatch(/0 bytes/);
  });
});

describe('the steps', () => {
  it('waits for a plan of the drives and the growth now chosen', () => {
    expect(stepProblem(draft({ step: 'source', source: null }))).toBe('Choose the drive to copy.');
    expect(stepProblem(draft({ step: 'target', target: null }))).toBe(
      'Choose the drive to copy onto.',
    );
    // A plan of another target, or of another choice of what grows, is stale.
    expect(stepProblem(draft({ step: 'target', target: '/dev/sdd' }))).toBe('Checking the drives…');
    expect(stepProblem(draft({ step: 'layout', grow: 'none' }))).toBe(
      'Working out where the partitions go…',
    );
    expect(stepProblem(draft({ step: 'layout' }))).toBeNull();
  });

  it('stops at the plan’s first refusal', () => {
    const refused = {
      ...plan,
      refusals: [{ code: 'target-too-small' as const, message: '/dev/sdc is too small.' }],
    };
    const d = draft({
      step: 'target',
      planned: { source: '/dev/sdb', target: '/dev/sdc', grow: 'largest', plan: refused },
    });
    expect(stepProblem(d)).toBe('/dev/sdc is too small.');
    expect(stepProblem({ ...d, step: 'confirm', typedName: 'sdc' })).not.toBeNull();
  });

  it('starts only once the target’s name is typed exactly', () => {
    expect(stepProblem(draft({ step: 'confirm', typedName: 'sd' }))).toBe('Type sdc to confirm.');
    expect(cloneParams(draft({ step: 'confirm', typedName: 'SDC' }))).toBeNull();
    expect(cloneParams(draft({ step: 'layout', typedName: 'sdc' }))).toBeNull();
    expect(cloneParams(draft({ step: 'confirm', typedName: 'sdc', newIds: true }))).toEqual({
      source: '/dev/sdb',
      target: '/dev/sdc',
      confirmName: 'sdc',
      expect: { size: 320 * MiB, model: 'Big SSD' },
      grow: 'largest',
      newIds: true,
      readBack: true,
    });
  });

  it('a new target starts over: no stale plan is taken for it', () => {
    expect(currentPlan(draft({ target: '/dev/sdd' }))).toBeNull();
    expect(currentPlan(draft({}))).toBe(plan);
  });
});

describe('the layout step', () => {
  it('draws both drives on one scale: the old one half as long', () => {
    const bars = layoutBars(plan);
    expect(bars.sourceWidth).toBe(0.5);
    expect(bars.targetWidth).toBe(1);
    expect(bars.before.map((s) => s.change)).toEqual(['stays', 'stays', 'stays']);
    expect(bars.after.map((s) => [s.index, s.change])).toEqual([
      [1, 'stays'],
      [2, 'grows'],
      [3, 'moves'],
    ]);
    const swap = bars.after[2]!;
    // The swap ends at the end of the usable space: 1 MiB (GPT's backup) short of the end.
    expect(swap.left + swap.width).toBeCloseTo(319 / 320, 6);
    expect(bars.after[1]!.width).toBeCloseTo(260 / 320, 6);
  });

  it('says what grows and what moves', () => {
    expect(layoutSentences(plan)).toEqual([
      'Partition 2 (ext4) grows from 100 MiB to 260 MiB, and its filesystem is grown to fill it.',
      'Partition 3 (swap) moves to the end of the drive.',
    ]);
  });

  it('says why the layout is kept, and draws it as it is', () => {
    const kept: ClonePlan = {
      ...plan,
      layout: { kind: 'keep', why: 'no-grow', targetSize: 320 * MiB, writeEnd: 160 * MiB },
    };
    expect(layoutSentences(kept)).toEqual([
      'No partition grows: every partition stays where it is, and the extra space is left unused.',
    ]);
    expect(layoutBars(kept).after).toEqual(layoutBars(kept).before);
  });

  it('offers only partitions whose filesystem can be grown', () => {
    expect(growablePartitions(plan)).toEqual([
      { index: 1, filesystem: 'fat32' },
      { index: 2, filesystem: 'ext4' },
    ]);
    expect(targetIsLarger(plan)).toBe(true);
    expect(targetIsLarger({ ...plan, target: { ...plan.target, size: 160 * MiB } })).toBe(false);
  });
});
