// The clone pipeline: a drive copied onto another, with no image in between.
//
//   block map of the source ─► plan & refusals ─► confirm ─► read used ranges ─► write each
//   at its place on the target ─► read back ─► partition table ─► grow a filesystem
//
// What is read is what a used-blocks backup reads (the same block map); where it goes is what
// a restore onto that drive does with it (the same layout, table and growing steps). The
// source is opened read-only: a clone that stops leaves it as it was, and says the target
// holds an incomplete copy.

import type { CloneResult, LayoutResult } from '../../../src-shared/protocol/events.js';
import type { ClonePlan, GrowChoice } from '../../../src-shared/protocol/plans.js';
import { blockMapFor } from '../backup/reading.js';
import type { BlockMap } from '../blockmap/block-map.js';
import { SpillwayError } from '../errors.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { growLaidOut, writeLayout } from '../layout/apply-layout.js';
import { placeRange } from '../layout/plan-layout.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import { countCompared, readBackAndCompare, WrittenLog } from '../restore/read-back.js';
import { refusalError } from '../restore/restore-plan.js';
import { describeTarget, openTarget, type RestoreTarget } from '../restore/restore-target.js';
import { openBackupSource, type PositionedSource } from '../source/backup-source.js';
import { planClone } from './clone-plan.js';

export interface CloneOptions {
  source: string;
  target: string;
  /** Asked once the plan passed every safety check, before anything is written. */
  confirm(plan: ClonePlan): Promise<boolean>;
  /** On a larger drive, the partition that grows (default: the largest data one). */
  grow?: GrowChoice;
  /** New disk and partition identifiers, so both drives can be attached at once. */
  newIds?: boolean;
  /** Read every written byte back and compare (default true). */
  readBack?: boolean;
}

/** Bytes read and written at a time. */
const CHUNK = 4 * 2 ** 20;

export function clone(options: CloneOptions, context: JobContext): Promise<CloneResult> {
  return runJob('clone', context, (progress) => runClone(options, context, progress));
}

async function runClone(
  options: CloneOptions,
  context: JobContext,
  progress: ProgressTracker,
): Promise<CloneResult> {
  progress.phase('preparing', `Opening ${options.source}`);
  const opened = await openBackupSource(options.source);
  if (opened.type !== 'positioned') {
    await opened.close();
    throw new SpillwayError('usage', 'A clone reads a drive or a file, not a stream.');
  }
  const source = opened;
  let target: RestoreTarget | undefined;
  let writing = false;
  try {
    const targetFacts = await describeTarget(options.target);
    const map = await blockMapFor(source, 'used', progress);
    const plan = await planClone(
      source,
      await describeTarget(options.source),
      map,
      targetFacts,
      options.grow ?? 'largest',
    );
    const refusal = plan.refusals[0];
    if (refusal) throw refusalError(refusal);
    if (!(await options.confirm(plan))) {
      throw new SpillwayError('not-confirmed', `Nothing was written to ${options.target}.`);
    }
    target = await openTarget(plan.target);
    progress.start();
    progress.phase('writing', `Copying ${source.info.path} to ${plan.target.path}`);
    writing = true;
    const log = new WrittenLog();
    await copyUsed(source, target, map, plan, log, progress, context.signal);
    progress.phase('finishing', 'Flushing the drive');
    await target.flush();

    let verified: boolean | null = null;
    if (options.readBack ?? true) {
      progress.phase('verifying', 'Reading back what was written');
      Object.assign(progress.counters, { streamTotal: log.bytes, streamDone: 0, bytesRead: 0 });
      await readBackAndCompare({
        target,
        log,
        onCompared: countCompared(progress.counters),
        signal: context.signal,
      });
      verified = true;
    }
    let layout: LayoutResult | undefined;
    const table = map.partitionTable;
    if (plan.layout && table) {
      const onPhase = (message: string) => progress.phase('finishing', message);
      const open = target;
      layout = await writeLayout(
        {
          path: plan.target.path,
          read: (length, position) => open.read(length, position),
          write: (data, position) => open.write(data, position),
          flush: () => open.flush(),
        },
        plan.layout,
        table.type,
        {
          sourceSize: source.info.size,
          sectorSize: table.sectorSize,
          newIds: options.newIds ?? false,
          onPhase,
        },
      );
      // The tools that grow a filesystem open its partition exclusively.
      target = undefined;
      await open.close();
      if (layout) await growLaidOut(plan.target.path, plan.layout, layout, onPhase);
    }
    return {
      kind: 'clone',
      source: source.info.path,
      target: plan.target.path,
      bytesWritten: log.bytes,
      readBack: verified,
      seconds: progress.elapsedSeconds,
      ...(layout ? { layout } : {}),
    };
  } catch (error) {
    if (!writing) throw error;
    // Whatever stopped it, the source was only read; the target holds part of the copy.
    const stopped = context.signal.aborted ? 'Cancelled' : errorMessage(error);
    const code = context.signal.aborted
      ? 'cancelled'
      : error instanceof SpillwayError
        ? error.code
        : 'write-error';
    throw new SpillwayError(
      code,
      `${stopped}. ${options.target} holds an incomplete copy; ${source.info.path} was not changed.`,
      { remedy: 'start-again', facts: { path: options.target }, cause: error },
    );
  } finally {
    await target?.close().catch(() => {});
    await source.close();
  }
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, '');
}

/** Reads each used range of the source and writes it where the layout puts it. */
async function copyUsed(
  source: PositionedSource,
  target: RestoreTarget,
  map: BlockMap,
  plan: ClonePlan,
  log: WrittenLog,
  progress: ProgressTracker,
  signal: AbortSignal,
): Promise<void> {
  const c = progress.counters;
  const chunks: Array<[number, number]> = [];
  for (const [start, end] of map.read) {
    for (let at = start; at < end; at += CHUNK) chunks.push([at, Math.min(end, at + CHUNK)]);
  }
  Object.assign(c, {
    streamTotal: source.info.size,
    streamDone: 0,
    bytesRead: 0,
    bytesToRead: chunks.reduce((sum, [a, b]) => sum + b - a, 0),
    bytesWritten: 0,
  });
  const read = async ([start, end]: [number, number]) => {
    const buffer = Buffer.allocUnsafeSlow(end - start);
    let done = 0;
    while (done < buffer.length) {
      const n = await source.read(buffer.subarray(done), start + done);
      if (n === 0) {
        throw new SpillwayError('read-error', `${source.info.path} ended at byte ${start + done}.`);
      }
      done += n;
    }
    return buffer;
  };
  // One chunk read ahead while the one before it is written.
  let next = chunks.length > 0 ? read(chunks[0]!) : null;
  for (let i = 0; i < chunks.length; i++) {
    signal.throwIfAborted();
    const data = await next!;
    next = i + 1 < chunks.length ? read(chunks[i + 1]!) : null;
    // A read that fails while this chunk is written is reported when awaited.
    next?.catch(() => {});
    const [start, end] = chunks[i]!;
    c.bytesRead += data.length;
    const placed = plan.layout ? placeRange(plan.layout, start, end) : [{ start, end, to: start }];
    for (const p of placed) {
      const piece = data.subarray(p.start - start, p.end - start);
      await target.write(piece, p.to);
      log.add(piece, p.to);
      c.bytesWritten += piece.length;
    }
    c.streamDone = end;
  }
  c.streamDone = source.info.size;
}
