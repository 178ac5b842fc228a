// Before a clone writes anything: what the source holds (its table and what its filesystems
// use), where it goes on the target, and every reason not to go ahead. The target rules are
// the restore's (never the system drive, never a drive in use) and one more: never the
// source itself, nor a drive the source lives on.

import { realpath } from 'node:fs/promises';
import type { ErrorInfo } from '../../../src-shared/errors.js';
import type {
  ClonePlan,
  GrowChoice,
  LayoutPlan,
  TargetDescription,
} from '../../../src-shared/protocol/plans.js';
import { formatBytes } from '../../../src-shared/units.js';
import type { BlockMap } from '../blockmap/block-map.js';
import { disksUnderPath } from '../device/mounts.js';
import { planLayout } from '../layout/plan-layout.js';
import { totalLength } from '../ranges.js';
import { describeErase, driveRefusals, layoutRefusal } from '../restore/restore-plan.js';
import { readAtOf } from '../blockmap/read-source.js';
import { usedBlockMap } from '../blockmap/used-block-map.js';
import { SpillwayError } from '../errors.js';
import { describeTarget } from '../restore/restore-target.js';
import { openBackupSource, type PositionedSource } from '../source/backup-source.js';

const real = (path: string) => realpath(path).catch(() => path);

export async function planClone(
  source: PositionedSource,
  sourceFacts: TargetDescription,
  map: BlockMap,
  target: TargetDescription,
  grow: GrowChoice,
): Promise<ClonePlan> {
  const refusals: ErrorInfo[] = [];
  const { path } = source.info;
  if (target.kind !== 'device') {
    refusals.push({
      code: 'usage',
      message: `${target.path} is not a drive: a clone writes onto a drive.`,
      facts: { path: target.path },
      remedy: 'choose-other-target',
    });
  }
  // The source itself, a drive the source file lives on, or a loop device over it.
  const sourceDisks = new Set(
    sourceFacts.kind === 'device' ? sourceFacts.disks : await disksUnderPath(path),
  );
  const sameFile =
    (await real(target.path)) === (await real(path)) ||
    (target.backingFile !== undefined &&
      [path, sourceFacts.backingFile].some((p) => p !== undefined && p === target.backingFile));
  if (sameFile || target.disks.some((disk) => sourceDisks.has(disk))) {
    refusals.push({
      code: 'destination-on-source',
      message: `${target.path} is the drive being cloned (${path}), or holds it.`,
      facts: { path: target.path, source: path },
      remedy: 'choose-other-target',
    });
  }
  if (target.kind === 'device') refusals.push(...(await driveRefusals(target)));

  let layout: LayoutPlan | null = null;
  if (target.size !== null) {
    const verdict = planLayout({
      source: map,
      sourceSize: source.info.size,
      targetSize: target.size,
      grow,
    });
    if (verdict.ok) layout = verdict.layout;
    else if (verdict.refusal.code === 'target-too-small') {
      const { dataBytes, partition } = verdict.refusal;
      const why = [
        dataBytes > 0 ? `${formatBytes(dataBytes)} of data would not fit` : '',
        partition !== null ? `partition ${partition} would not fit` : '',
      ].filter(Boolean);
      refusals.push({
        code: 'target-too-small',
        message:
          `${target.path} is too small: ${path} holds ${formatBytes(source.info.size)}, ` +
          `the drive ${formatBytes(target.size)}${why.length > 0 ? `; ${why.join(' and ')}` : ''}.`,
        facts: { path: target.path, source: path },
        remedy: 'choose-larger-target',
      });
    } else {
      refusals.push(layoutRefusal(verdict.refusal)!);
    }
  }
  return {
    source: {
      path,
      size: source.info.size,
      ...(source.info.model ? { model: source.info.model } : {}),
      partitionTable: map.partitionTable,
      bytesToRead: totalLength(map.read),
    },
    target,
    erases: describeErase(target),
    refusals,
    layout,
  };
}

/**
 * The plan of a clone, asked before one starts (the app's layout step): the source is opened
 * read-only, its filesystems read for what they use, and closed again.
 */
export async function planCloneOf(
  sourcePath: string,
  targetPath: string,
  grow: GrowChoice,
): Promise<ClonePlan> {
  const opened = await openBackupSource(sourcePath);
  try {
    if (opened.type !== 'positioned') {
      throw new SpillwayError('usage', 'A clone reads a drive or a file, not a stream.');
    }
    const map = await usedBlockMap(
      readAtOf(opened),
      opened.info.size,
      opened.info.logicalSectorSize,
    );
    const [sourceFacts, target] = await Promise.all([
      describeTarget(sourcePath),
      describeTarget(targetPath),
    ]);
    return await planClone(opened, sourceFacts, map, target, grow);
  } finally {
    await opened.close();
  }
}
