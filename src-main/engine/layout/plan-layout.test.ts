import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartitionTable } from '../../../src-shared/manifest.js';
import type { LayoutPlan } from '../../../src-shared/protocol/plans.js';
import { manifestTable, sfdiskFile } from '../../test-support/sfdisk-table.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { MiB, placeRange, planLayout, usableEnd, type LayoutVerdict } from './plan-layout.js';

let dir: { path: string; remove(): Promise<void> };
/** The fixture disk's layout (ESP, root, swap) on 160 MiB, GPT. */
let gpt: PartitionTable;
/** MBR: a FAT primary, then an extended partition with ext4 and swap logical ones. */
let mbrLogical: PartitionTable;
/** MBR: an ext4 primary, then an extended one holding a FAT and a swap logical one. */
let mbrAfter: PartitionTable;

beforeAll(async () => {
  dir = await tempDir();
  const gptFile = await sfdiskFile(
    dir.path,
    'gpt.img',
    160,
    [
      'label: gpt',
      'unit: sectors',
      'first-lba: 2048',
      'start=2048, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
      'start=83968, size=208896, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4',
      'start=292864, size=32768, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
    ].join('\n'),
  );
  gpt = await manifestTable(gptFile, { 1: 'fat32', 2: 'ext4', 3: 'swap' });
  const logicalFile = await sfdiskFile(
    dir.path,
    'mbr-logical.img',
    200,
    [
      'label: dos',
      'unit: sectors',
      'start=2048, size=40960, type=c',
      'start=43008, size=362496, type=5',
      'start=45056, size=300000, type=83',
      'start=348160, size=40960, type=82',
    ].join('\n'),
  );
  mbrLogical = await manifestTable(logicalFile, { 1: 'fat32', 5: 'ext4', 6: 'swap' });
  const afterFile = await sfdiskFile(
    dir.path,
    'mbr-after.img',
    200,
    [
      'label: dos',
      'unit: sectors',
      'start=2048, size=300000, type=83',
      'start=303104, size=100000, type=f',
      'start=305152, size=40960, type=c',
      'start=348160, size=40960, type=82',
    ].join('\n'),
  );
  mbrAfter = await manifestTable(afterFile, { 1: 'ext4', 5: 'fat16', 6: 'swap' });
});
afterAll(() => dir.remove());

const grown = (verdict: LayoutVerdict): Extract<LayoutPlan, { kind: 'grow' }> => {
  if (!verdict.ok || verdict.layout.kind !== 'grow') {
    throw new Error(`not a grown layout: ${JSON.stringify(verdict)}`);
  }
  return verdict.layout;
};
const placed = (layout: Extract<LayoutPlan, { kind: 'grow' }>, index: number) =>
  layout.partitions.find((p) => p.index === index)!;

describe('planning the layout on a larger drive', () => {
  it('grows the largest data partition and moves the swap after it to the end', () => {
    const layout = grown(
      planLayout({
        source: { partitionTable: gpt, dontCare: [] },
        sourceSize: 160 * MiB,
        targetSize: 320 * MiB,
        grow: 'largest',
      }),
    );
    expect(layout.grown).toBe(2);
    const [esp, root, swap] = [1, 2, 3].map((i) => placed(layout, i));
    expect(esp).toMatchObject({ newStart: esp!.start, newSize: esp!.size });
    expect(root!.newStart).toBe(root!.start);
    expect(swap!.newSize).toBe(swap!.size);
    // Swap ends within a MiB of the usable end, and everything stays MiB-aligned.
    const end = usableEnd(gpt, 320 * MiB);
    expect(swap!.newStart + swap!.newSize).toBeLessThanOrEqual(end);
    expect(end - (swap!.newStart + swap!.newSize)).toBeLessThan(MiB);
    expect(swap!.newStart % MiB).toBe(0);
    expect(root!.newStart + root!.newSize).toBe(swap!.newStart);
    expect(root!.newSize - root!.size).toBe(layout.shift);
    expect(layout.shift % MiB).toBe(0);
  });

  it('grows the partition it is told to, moving the ones after it', () => {
    const layout = grown(
      planLayout({
        source: { partitionTable: gpt, dontCare: [] },
        sourceSize: 160 * MiB,
        targetSize: 320 * MiB,
        grow: 1,
      }),
    );
    expect(layout.grown).toBe(1);
    expect(placed(layout, 1).newSize).toBe(placed(layout, 1).size + layout.shift);
    expect(placed(layout, 2).newStart).toBe(placed(layout, 2).start + layout.shift);
    expect(placed(layout, 3).newStart).toBe(placed(layout, 3).start + layout.shift);
  });

  it('keeps the layout when told not to grow, or when the drive is barely larger', () => {
    const input = { source: { partitionTable: gpt, dontCare: [] }, sourceSize: 160 * MiB };
    expect(planLayout({ ...input, targetSize: 320 * MiB, grow: 'none' })).toEqual({
      ok: true,
      layout: { kind: 'keep', why: 'no-grow', targetSize: 320 * MiB, writeEnd: 160 * MiB },
    });
    const barely = planLayout({ ...input, targetSize: 160 * MiB + 4096, grow: 'largest' });
    expect(barely.ok && barely.layout).toMatchObject({ kind: 'keep', why: 'too-little-room' });
    const same = planLayout({ ...input, targetSize: 160 * MiB, grow: 'largest' });
    expect(same.ok && same.layout).toMatchObject({ kind: 'keep', why: 'same-size' });
  });

  it('refuses to grow what is no partition or holds nothing that can grow', () => {
    const input = {
      source: { partitionTable: gpt, dontCare: [] },
      sourceSize: 160 * MiB,
      targetSize: 320 * MiB,
    };
    expect(planLayout({ ...input, grow: 3 })).toEqual({
      ok: false,
      refusal: { code: 'cannot-grow', partition: 3, filesystem: 'swap' },
    });
    expect(planLayout({ ...input, grow: 9 })).toEqual({
      ok: false,
      refusal: { code: 'no-such-partition', partition: 9 },
    });
  });

  it('grows a logical partition with its extended one, moving the logical ones after it', () => {
    const layout = grown(
      planLayout({
        source: { partitionTable: mbrLogical, dontCare: [] },
        sourceSize: 200 * MiB,
        targetSize: 400 * MiB,
        grow: 'largest',
      }),
    );
    expect(layout.grown).toBe(5);
    const [fat, extended, root, swap] = [1, 2, 5, 6].map((i) => placed(layout, i));
    expect(fat).toMatchObject({ newStart: fat!.start, newSize: fat!.size });
    expect(extended).toMatchObject({ container: true, newStart: extended!.start });
    expect(extended!.newSize).toBe(extended!.size + layout.shift);
    expect(root!.newSize).toBe(root!.size + layout.shift);
    expect(swap!.newStart).toBe(swap!.start + layout.shift);
    // The extended partition still holds the moved swap, and ends within the drive.
    expect(swap!.newStart + swap!.newSize).toBeLessThanOrEqual(
      extended!.newStart + extended!.newSize,
    );
    expect(extended!.newStart + extended!.newSize).toBeLessThanOrEqual(400 * MiB);
  });

  it('moves a whole extended partition that lies after the grown primary one', () => {
    const layout = grown(
      planLayout({
        source: { partitionTable: mbrAfter, dontCare: [] },
        sourceSize: 200 * MiB,
        targetSize: 400 * MiB,
        grow: 'largest',
      }),
    );
    expect(layout.grown).toBe(1);
    for (const index of [2, 5, 6]) {
      const p = placed(layout, index);
      expect(p).toMatchObject({ newStart: p.start + layout.shift, newSize: p.size });
    }
  });
});

describe('planning the layout on a smaller drive', () => {
  it('refuses, saying how much data would not fit, when data lies past the end', () => {
    const verdict = planLayout({
      source: { partitionTable: gpt, dontCare: [] },
      sourceSize: 160 * MiB,
      targetSize: 140 * MiB,
      grow: 'largest',
    });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.refusal).toMatchObject({ code: 'target-too-small', partition: 2 });
    // The root's last 3 MiB (it ends at 143 MiB) and the swap's 16 MiB: all data.
    expect(verdict.refusal.code === 'target-too-small' && verdict.refusal.dataBytes).toBe(19 * MiB);
  });

  it('allows it when only bytes outside every partition are past the end', () => {
    const verdict = planLayout({
      source: { partitionTable: mbrLogical, dontCare: [] },
      sourceSize: 200 * MiB,
      targetSize: 199 * MiB,
      grow: 'largest',
    });
    expect(verdict).toEqual({
      ok: true,
      layout: { kind: 'keep', why: 'smaller', targetSize: 199 * MiB, writeEnd: 199 * MiB },
    });
  });
});

describe('placing the source bytes on the target', () => {
  it('keeps what lies before the cut, moves what follows, drops what is past the end', () => {
    const layout = grown(
      planLayout({
        source: { partitionTable: gpt, dontCare: [] },
        sourceSize: 160 * MiB,
        targetSize: 320 * MiB,
        grow: 'largest',
      }),
    );
    const { cut, end, shift } = layout;
    expect(placeRange(layout, 0, MiB)).toEqual([{ start: 0, end: MiB, to: 0 }]);
    expect(placeRange(layout, cut - 10, cut + 10)).toEqual([
      { start: cut - 10, end: cut, to: cut - 10 },
      { start: cut, end: cut + 10, to: cut + shift },
    ]);
    expect(placeRange(layout, end, 160 * MiB)).toEqual([]);
  });
});
