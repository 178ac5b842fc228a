// The target's space that no filesystem of the image uses (the image's "don't care" ranges).
// A used-blocks restore does not write there, so the target's old data would stay readable:
// a drive passed on would leak it. What to do is the user's choice (keep, erase, zero, auto):
//
//   plan (pure: which bytes are discarded, zeroed, kept) ─► discard (before the target is
//   held: blkdiscard opens the drive exclusively itself) ─► after writing: read a sample of
//   each discarded range back, zeros over whatever is to be zeroed or did not read as zeros.
//
// Discard does not always zero (a drive may keep the old bytes, or return them until it gets
// round to it), hence the sample. Discard works in whole granules of the drive: the edges of
// a range that are not whole granules, and ranges too small to be worth a command, are
// zeroed instead (a few KiB each, cheap).

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { UnusedRangeOutcome } from '../../../src-shared/protocol/events.js';
import type {
  TargetDescription,
  UnusedChoice,
  UnusedSpace,
} from '../../../src-shared/protocol/plans.js';
import { clip, normalize, totalLength, type ByteRange } from '../ranges.js';
import type { Counters } from '../progress/progress-tracker.js';
import type { RestoreTarget } from './restore-target.js';

const run = promisify(execFile);

/** How the target can discard, when it can. */
export interface DiscardSupport {
  /** Bytes of its smallest discardable unit (a power of two, at least a sector). */
  granularity: number;
}

export type UnusedAction = 'keep' | 'discard' | 'zero' | 'hole';
export interface UnusedStep {
  range: ByteRange;
  action: UnusedAction;
}

/** A range smaller than this is zeroed rather than discarded: one write, not one command. */
export const MIN_DISCARD = 2 ** 20;
/** Bytes read back from each discarded range, at its start, middle and end. */
export const SAMPLE_BYTES = 2 ** 16;

/** The unused ranges of a target the image is written onto up to `limit`. */
export function unusedRanges(dontCare: readonly ByteRange[], limit: number): ByteRange[] {
  return clip(normalize(dontCare), 0, limit);
}

/**
 * What is done with each byte of the unused ranges, in order. A new file's ranges are holes
 * whatever the choice; auto is erase; erase discards where the target can, whole granules of
 * ranges of at least MIN_DISCARD, and zeros the rest.
 */
export function planUnused(
  ranges: readonly ByteRange[],
  choice: UnusedChoice,
  target: { newFile: boolean; discard: DiscardSupport | null },
): UnusedStep[] {
  const steps: UnusedStep[] = [];
  const push = (start: number, end: number, action: UnusedAction) => {
    if (end > start) steps.push({ range: [start, end], action });
  };
  for (const [start, end] of normalize(ranges)) {
    if (target.newFile) push(start, end, 'hole');
    else if (choice === 'keep') push(start, end, 'keep');
    else if (choice === 'zero' || target.discard === null) push(start, end, 'zero');
    else {
      const g = target.discard.granularity;
      const from = Math.ceil(start / g) * g;
      const to = Math.floor(end / g) * g;
      if (to - from < MIN_DISCARD) {
        push(start, end, 'zero');
      } else {
        push(start, from, 'zero');
        push(from, to, 'discard');
        push(to, end, 'zero');
      }
    }
  }
  return steps;
}

/** Bytes the plan zeroes (what costs time: discards take moments). */
export function bytesToZero(steps: readonly UnusedStep[]): number {
  return totalLength(steps.filter((s) => s.action === 'zero').map((s) => s.range));
}

/** The spots of a discarded range read back: its start, middle and end (whole if small). */
export function sampleSpots([start, end]: ByteRange, size = SAMPLE_BYTES): ByteRange[] {
  if (end - start <= 3 * size) return [[start, end]];
  const middle = start + Math.floor((end - start) / 2 / size) * size;
  return [
    [start, start + size],
    [middle, middle + size],
    [end - size, end],
  ];
}

/** The outcome of each step (a discard whose sample did not read zeros was zeroed), with
 *  neighbours of the same outcome merged. */
export function outcomes(
  steps: readonly UnusedStep[],
  failedDiscards: ReadonlySet<number>,
): UnusedRangeOutcome[] {
  const done: Record<UnusedAction, UnusedRangeOutcome['done']> = {
    keep: 'kept',
    discard: 'discarded',
    zero: 'zeroed',
    hole: 'hole',
  };
  const merged: UnusedRangeOutcome[] = [];
  steps.forEach((step, i) => {
    const what = failedDiscards.has(i) ? 'zeroed' : done[step.action];
    const last = merged.at(-1);
    if (last && last.done === what && last.range[1] === step.range[0]) {
      last.range = [last.range[0], step.range[1]];
    } else {
      merged.push({ range: [step.range[0], step.range[1]], done: what });
    }
  });
  return merged;
}

/** The plan's summary of the unused space, before anything is written. */
export function describeUnused(
  ranges: readonly ByteRange[],
  target: TargetDescription,
  discard: DiscardSupport | null,
): UnusedSpace {
  return {
    bytes: totalLength(ranges),
    ranges: ranges.length,
    canDiscard: discard !== null,
    newFile: target.kind === 'file' && !target.exists,
  };
}

// ---- I/O at the edge ---------------------------------------------------------------------

async function readNumber(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  const value = text === null ? NaN : Number(text.trim());
  return Number.isFinite(value) ? value : null;
}

/**
 * Whether the target can discard: a drive whose queue says so (discard_max_bytes > 0; a
 * partition's queue is its disk's), or a file that exists (a hole punched reads as zeros).
 */
export async function discardSupport(target: TargetDescription): Promise<DiscardSupport | null> {
  if (target.kind === 'file') return target.exists ? { granularity: 4096 } : null;
  for (const queue of [
    `/sys/class/block/${target.name}/queue`,
    `/sys/class/block/${target.name}/../queue`,
  ]) {
    const max = await readNumber(`${queue}/discard_max_bytes`);
    if (max === null) continue;
    if (max === 0) return null;
    const granularity = (await readNumber(`${queue}/discard_granularity`)) ?? 0;
    const sector = (await readNumber(`${queue}/logical_block_size`)) ?? 512;
    return { granularity: Math.max(granularity, sector, 512) };
  }
  return null;
}

/**
 * Discards the plan's discard steps (before the restore holds the target: blkdiscard takes
 * the drive exclusively itself, and refuses one that is mounted). Returns the steps that
 * could not be discarded: they are zeroed instead.
 */
export async function discardSteps(
  target: TargetDescription,
  steps: readonly UnusedStep[],
  signal: AbortSignal,
): Promise<Set<number>> {
  const failed = new Set<number>();
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.action !== 'discard') continue;
    signal.throwIfAborted();
    const [start, end] = step.range;
    const where = ['-o', String(start), '-l', String(end - start)];
    const command =
      target.kind === 'device'
        ? (['blkdiscard', [...where, target.path]] as const)
        : (['fallocate', ['--punch-hole', ...where, target.path]] as const);
    // A drive that says it discards may still refuse: its bytes are zeroed instead.
    await run(command[0], command[1], { signal }).catch((error: unknown) => {
      signal.throwIfAborted();
      void error;
      failed.add(i);
    });
  }
  return failed;
}

const ZEROS = new Uint8Array(4 * 2 ** 20);

async function readsAsZeros(target: RestoreTarget, range: ByteRange): Promise<boolean> {
  for (const [start, end] of sampleSpots(range)) {
    const bytes = await target.read(end - start, start);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  }
  return true;
}

/**
 * After the image's data is written: reads a sample of each discarded range back (a discard
 * that did not zero is zeroed), and writes zeros over the ranges to zero. Returns what was
 * done with every range.
 */
export async function finishUnused(
  target: RestoreTarget,
  steps: readonly UnusedStep[],
  failedDiscards: Set<number>,
  counters: Counters,
  signal: AbortSignal,
): Promise<UnusedRangeOutcome[]> {
  // Dropped cached pages first: the sample must come from the drive.
  if (steps.some((s) => s.action === 'discard')) await target.flush();
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.action !== 'discard' || failedDiscards.has(i)) continue;
    signal.throwIfAborted();
    if (!(await readsAsZeros(target, step.range))) failedDiscards.add(i);
  }
  counters.streamTotal = totalLength(
    steps.filter((s, i) => s.action === 'zero' || failedDiscards.has(i)).map((s) => s.range),
  );
  counters.streamDone = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.action !== 'zero' && !failedDiscards.has(i)) continue;
    for (let at = step.range[0]; at < step.range[1]; at += ZEROS.byteLength) {
      signal.throwIfAborted();
      const n = Math.min(ZEROS.byteLength, step.range[1] - at);
      await target.write(ZEROS.subarray(0, n), at);
      counters.bytesWritten += n;
      counters.streamDone += n;
    }
  }
  return outcomes(steps, failedDiscards);
}
