import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrowChoice, LayoutPlan } from '../../../src-shared/protocol/plans.js';
import { openFileReadAt } from '../../test-support/file-read-at.js';
import { manifestTable, sfdiskFile, sfdiskJson } from '../../test-support/sfdisk-table.js';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { MiB, planLayout } from './plan-layout.js';
import { tableWrites } from './write-table.js';

let dir: { path: string; remove(): Promise<void> };
beforeAll(async () => (dir = await tempDir()));
afterAll(() => dir.remove());

const GPT = [
  'label: gpt',
  'label-id: 3B8E5C7A-1D2F-4E6A-9B0C-2D4E6F8A0B1C',
  'unit: sectors',
  'first-lba: 2048',
  'start=2048, size=81920, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI"',
  'start=83968, size=208896, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"',
  'start=292864, size=32768, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"',
].join('\n');

const MBR_LOGICAL = [
  'label: dos',
  'label-id: 0x5e1f0c2a',
  'unit: sectors',
  'start=2048, size=40960, type=c, bootable',
  'start=43008, size=362496, type=5',
  'start=45056, size=300000, type=83',
  'start=348160, size=40960, type=82',
].join('\n');

const FILESYSTEMS = { 1: 'fat32', 2: 'ext4', 3: 'swap', 5: 'ext4', 6: 'swap' };

/** Writes the table the layout gives for `source` onto a new (sparse) target file. */
async function relocate(
  source: string,
  sourceMiB: number,
  targetMiB: number,
  grow: GrowChoice,
  newIds = false,
): Promise<{ target: string; layout: LayoutPlan }> {
  const table = await manifestTable(source, FILESYSTEMS);
  const verdict = planLayout({
    source: { partitionTable: table, dontCare: [] },
    sourceSize: sourceMiB * MiB,
    targetSize: targetMiB * MiB,
    grow,
  });
  if (!verdict.ok) throw new Error(JSON.stringify(verdict));
  const target = join(dir.path, `${grow}-${newIds}-${targetMiB}-${source.split('/').at(-1)}`);
  await sh(`truncate -s ${targetMiB}M ${q(target)}`);
  const file = await openFileReadAt(source);
  const handle = await open(target, 'r+');
  try {
    const writes = await tableWrites(file.read, file.size, verdict.layout, {
      targetSize: targetMiB * MiB,
      sectorSize: 512,
      newIds,
    });
    for (const { position, bytes } of writes) await handle.write(bytes, 0, bytes.length, position);
  } finally {
    await handle.close();
    await file.close();
  }
  return { target, layout: verdict.layout };
}

/** sfdisk lists partitions by number; the table reader gives logical ones first. */
const byIndex = <T extends { index: number }>(list: T[]) =>
  [...list].sort((a, b) => a.index - b.index);

/** sfdisk's own check of a table: exit status 0 and no complaint. */
async function sfdiskVerify(path: string): Promise<string> {
  const out = await sh(`sfdisk -V ${q(path)} 2>&1`);
  expect(out).toContain('No errors detected.');
  expect(out).not.toMatch(/warning|overlap|not aligned|mismatch|corrupt|invalid/i);
  return out;
}

describe('writing the table for a grown layout', () => {
  it('GPT: partitions placed, backup header at the new end, identifiers kept', async () => {
    const source = await sfdiskFile(dir.path, 'gpt.img', 160, GPT);
    const { target, layout } = await relocate(source, 160, 320, 'largest');
    await sfdiskVerify(target);
    const before = (await sfdiskJson(source)).partitiontable;
    const after = (await sfdiskJson(target)).partitiontable;
    expect(after.id).toBe(before.id);
    expect(after.lastlba).toBe((320 * MiB) / 512 - 34);
    if (layout.kind !== 'grow') throw new Error('not grown');
    expect(after.partitions).toHaveLength(3);
    for (const [i, p] of after.partitions.entries()) {
      const planned = layout.partitions[i]!;
      expect(p.start * 512).toBe(planned.newStart);
      expect(p.size * 512).toBe(planned.newSize);
      expect(p.uuid).toBe(before.partitions[i]!.uuid);
      expect(p.type).toBe(before.partitions[i]!.type);
    }
    // The backup header sits at the last sector of the new drive: sfdisk reads it when the
    // primary is gone.
    await sh(`dd if=/dev/zero of=${q(target)} bs=512 seek=1 count=1 conv=notrunc status=none`);
    const fromBackup = (await sfdiskJson(target)).partitiontable;
    expect(fromBackup.partitions.map((p) => p.start)).toEqual(after.partitions.map((p) => p.start));
  });

  it('GPT with new identifiers: a new disk GUID and partition GUIDs', async () => {
    const source = await sfdiskFile(dir.path, 'gpt-ids.img', 160, GPT);
    const { target } = await relocate(source, 160, 320, 'largest', true);
    await sfdiskVerify(target);
    const before = (await sfdiskJson(source)).partitiontable;
    const after = (await sfdiskJson(target)).partitiontable;
    expect(after.id).not.toBe(before.id);
    for (const [i, p] of after.partitions.entries()) {
      expect(p.uuid).not.toBe(before.partitions[i]!.uuid);
    }
  });

  it('GPT kept as it was on a larger drive: only the backup moves', async () => {
    const source = await sfdiskFile(dir.path, 'gpt-keep.img', 160, GPT);
    const { target } = await relocate(source, 160, 320, 'none');
    await sfdiskVerify(target);
    const before = (await sfdiskJson(source)).partitiontable;
    const after = (await sfdiskJson(target)).partitiontable;
    const node = ({ node: _, ...rest }: { node: string }) => rest;
    expect(after.partitions.map(node)).toEqual(before.partitions.map(node));
  });

  it('MBR: a grown logical partition, its extended one and the EBR chain', async () => {
    const source = await sfdiskFile(dir.path, 'mbr.img', 200, MBR_LOGICAL);
    const { target, layout } = await relocate(source, 200, 400, 'largest');
    await sfdiskVerify(target);
    if (layout.kind !== 'grow') throw new Error('not grown');
    const before = (await sfdiskJson(source)).partitiontable;
    const after = (await sfdiskJson(target)).partitiontable;
    expect(after.id).toBe(before.id);
    expect(after.partitions.map((p) => [p.start * 512, p.size * 512, p.type])).toEqual(
      byIndex(layout.partitions).map((p, i) => [p.newStart, p.newSize, before.partitions[i]!.type]),
    );
  });

  it('MBR: an extended partition moved whole after a grown primary one', async () => {
    const source = await sfdiskFile(
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
    const { target, layout } = await relocate(source, 200, 400, 1, true);
    await sfdiskVerify(target);
    if (layout.kind !== 'grow') throw new Error('not grown');
    const before = (await sfdiskJson(source)).partitiontable;
    const after = (await sfdiskJson(target)).partitiontable;
    expect(after.id).not.toBe(before.id);
    expect(after.partitions.map((p) => [p.start * 512, p.size * 512])).toEqual(
      byIndex(layout.partitions).map((p) => [p.newStart, p.newSize]),
    );
    expect(layout.partitions.find((p) => p.index === 6)!.newStart).toBeGreaterThan(300 * MiB);
  });
});
