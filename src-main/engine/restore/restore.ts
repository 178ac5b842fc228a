// The restore pipeline:
//
//   plan & refusals ─► confirm ─► check the image ─► write ─► read back
//
// Nothing is written before the image has been checked end to end (a damaged image is
// refused while the drive still holds its old data), and after writing every written byte is
// read back from the device and compared with what was written.
//
// The check reads the image once and compares its frames, as stored, with the digest the
// manifest records; when they differ (or on older images) it decodes every frame with
// something to write instead (check-before-writing.ts). Writing decodes those frames, each
// one's stored bytes compared with what the check saw, and compares what it decoded with the
// recorded frames' digest at the end; read-back compares the XXH64 of each written range.

import type { RestoreCheck, RestoreResult } from '../../../src-shared/protocol/events.js';
import { formatBytes } from '../../../src-shared/units.js';
import { SpillwayError } from '../errors.js';
import { FRAMES_MISMATCH, FramesDigestCheck, frameXxh64 } from '../digest/frame-digests.js';
import { decodeFrames } from '../image/frame-decoder.js';
import { nonZeroRuns } from '../io/zero-blocks.js';
import type { IndexedImage, OpenedImage } from '../format/image-layout.js';
import { openImage } from '../image/open-image.js';
import { decodeBlocks } from '../image/stream-decoder.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import type { AgeKeys } from '../endpoints/age/age-keys.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import { clip } from '../ranges.js';
import { moveGptBackup } from '../partition-table/gpt-resize.js';
import { checkBeforeWriting, selectWrites, type StoredDigests } from './check-before-writing.js';
import { readBackAndCompare, WrittenLog } from './read-back.js';
import type { RestorePlan } from '../../../src-shared/protocol/plans.js';
import { planRestore, refusalError } from './restore-plan.js';
import { describeTarget, openTarget, type RestoreTarget } from './restore-target.js';

export interface RestoreOptions {
  image: string;
  target: string;
  threads?: number;
  /** How to reach and trust the machine of an ssh:// image. */
  ssh?: SshOptions;
  /** What opens an encrypted image. */
  age?: AgeKeys;
  /** Asked once the plan passed every safety check, before anything is written. */
  confirm(plan: RestorePlan): Promise<boolean>;
  /** Read every written byte back and compare (default true). */
  readBack?: boolean;
  /** Skip the check of the image before writing (faster; a damaged image is found mid-way). */
  skipCheck?: boolean;
  /** Write zeros over "don't care" ranges instead of leaving the target's bytes there. */
  zeroUnused?: boolean;
}

/** Block size for images without frames of their own. */
const STREAM_BLOCK = 4 * 2 ** 20;

export function restore(options: RestoreOptions, context: JobContext): Promise<RestoreResult> {
  return runJob('restore', context, (progress) => runRestore(options, context, progress));
}

async function runRestore(
  options: RestoreOptions,
  context: JobContext,
  progress: ProgressTracker,
): Promise<RestoreResult> {
  progress.phase('preparing', `Opening ${options.image}`);
  const image = await openImage(options.image, {
    ...(options.ssh ? { ssh: options.ssh } : {}),
    ...(options.age ? { age: options.age } : {}),
  });
  let target: RestoreTarget | undefined;
  let pool: CodecPool | undefined;
  try {
    const plan = await planRestore(image, await describeTarget(options.target));
    const refusal = plan.refusals[0];
    if (refusal) throw refusalError(refusal);
    if (!(await options.confirm(plan))) {
      throw new SpillwayError('not-confirmed', `Nothing was written to ${options.target}.`);
    }
    target = await openTarget(plan.target);
    pool = new CodecPool(options.threads ?? defaultThreads());
    progress.start();

    const readBack = options.readBack ?? true;
    const zeroUnused = options.zeroUnused ?? false;
    let payloadSize = plan.image.payloadSize;
    let checked: RestoreCheck = 'none';
    let stored: StoredDigests | null = null;
    if (!options.skipCheck && image.layout !== 'raw') {
      progress.phase('checking', 'Checking the image before writing anything');
      const outcome = await checkBeforeWriting(image, {
        zeroUnused,
        pool,
        counters: progress.counters,
        signal: context.signal,
        onCloserCheck: (message) => {
          progress.phase('checking', message);
          resetCounters(progress, null);
        },
      });
      if (!outcome.ok) {
        const { drive, reason } = outcome.damage;
        const where = drive ? ` at bytes ${drive[0]}–${drive[1]} of the drive` : '';
        throw new SpillwayError(
          'image-damaged',
          `The image is damaged${where}: ${reason}. Nothing was written.`,
          {
            hint: 'Run `spillway verify` for every damaged range; use another copy if you have one.',
          },
        );
      }
      payloadSize = outcome.size;
      checked = outcome.checked;
      stored = outcome.stored;
      const size = plan.target.size;
      if (size !== null && payloadSize > size && plan.shrinkTo === null) {
        throw new SpillwayError(
          'target-too-small',
          `${plan.target.path} is too small: the image needs ${formatBytes(payloadSize)}, ` +
            `the drive holds ${formatBytes(size)}. Nothing was written.`,
        );
      }
    }

    progress.phase('writing', `Writing ${plan.target.path}`);
    resetCounters(progress, payloadSize);
    const shrinkTo = image.layout === 'indexed' ? plan.shrinkTo : null;
    const log = new WrittenLog();
    const size =
      image.layout === 'indexed'
        ? await writeIndexed(image, target, pool, progress, context.signal, log, {
            zeroUnused,
            // Onto a smaller drive the image is cut at its end.
            limit: shrinkTo ?? image.payloadSize,
            checked,
            stored,
          })
        : await writeSequential(image, target, progress, context.signal, log);
    await target.setLength(size);
    progress.phase('finishing', 'Flushing the drive');
    await target.flush();

    let verified: boolean | null = null;
    if (readBack) {
      progress.phase('verifying', 'Reading back what was written');
      resetCounters(progress, log.bytes);
      await readBackAndCompare({
        target,
        log,
        counters: progress.counters,
        signal: context.signal,
      });
      verified = true;
    }
    if (shrinkTo !== null && plan.image.manifest?.partitionTable?.type === 'gpt') {
      progress.phase(
        'finishing',
        `Moving the backup partition table to the end of ${plan.target.path}`,
      );
      const activeTarget = target;
      await moveGptBackup(
        (position, length) => activeTarget.read(length, position),
        (bytes, position) => activeTarget.write(bytes, position),
        shrinkTo,
        plan.image.manifest.partitionTable.sectorSize,
      );
      await target.flush();
    }
    return {
      kind: 'restore',
      target: plan.target.path,
      bytesWritten: log.bytes,
      checked,
      readBack: verified,
      seconds: progress.elapsedSeconds,
    };
  } catch (error) {
    // A file this restore created goes away; a drive or an existing file keeps what it holds.
    if (target && !target.description.exists) await target.discard();
    throw error;
  } finally {
    progress.stop();
    await pool?.close();
    // After flush() (synced) on success, or after a failure being reported: closing can
    // lose nothing more.
    await target?.close().catch(() => {});
    await image.input.close();
  }
}

function resetCounters(progress: ProgressTracker, total: number | null): void {
  const c = progress.counters;
  Object.assign(c, {
    streamTotal: total,
    streamDone: 0,
    bytesRead: 0,
    codecBytes: 0,
    bytesWritten: 0,
  });
  c.bytesToRead = null;
}

/**
 * Writes a piece of the stream, once, at `position`. Into a file this restore created, blocks
 * of zeros are left as holes: they read as zeros, faster and taking no space.
 */
async function writePiece(target: RestoreTarget, piece: Uint8Array, position: number) {
  if (!target.sparse) return target.write(piece, position);
  for (const [start, end] of nonZeroRuns(piece, position)) {
    await target.write(piece.subarray(start, end), position + start);
  }
}

/** Damage found once writing began: a drive (or a file that was there) holds part of it. */
function damagedWhileWriting(target: RestoreTarget, reason: string): SpillwayError {
  const { path, exists } = target.description;
  return new SpillwayError(
    'image-damaged',
    `The image is damaged: ${reason}.` + (exists ? ` ${path} holds a partial restore.` : ''),
    { hint: 'Run `spillway verify` on the image; use another copy if you have one.' },
  );
}

/** Writes the image's frames; returns the size the target must have (a file's length). */
async function writeIndexed(
  image: IndexedImage,
  target: RestoreTarget,
  pool: CodecPool,
  progress: ProgressTracker,
  signal: AbortSignal,
  log: WrittenLog,
  options: {
    zeroUnused: boolean;
    /** Write the drive's bytes up to here (the target's size when it is smaller). */
    limit: number;
    /** How the image was checked before writing. */
    checked: RestoreCheck;
    /** Each frame's XXH64 as stored, as the check saw it; null when it was skipped. */
    stored: StoredDigests | null;
  },
): Promise<number> {
  const c = progress.counters;
  const { wanted, frames } = selectWrites(image, options);
  // Unless the check decoded these very frames, what they decode to is compared with the
  // recorded frames' digest here, once written (the whole image only: a cut one lacks frames).
  const recorded = image.manifest?.framesDigest;
  const afterWriting =
    options.checked !== 'frames' && recorded !== undefined && options.limit === image.payloadSize
      ? new FramesDigestCheck(
          image.frames.map((f) => f.size),
          recorded,
        )
      : null;

  for await (const decoded of decodeFrames(image, {
    pool,
    signal,
    frames,
    onRead: (n) => (c.bytesRead += n),
  })) {
    if (decoded.damage) throw damagedWhileWriting(target, decoded.damage.reason);
    const { frame, data } = decoded;
    if (options.stored && options.stored[frame.index] !== decoded.stored) {
      throw damagedWhileWriting(
        target,
        `frame ${frame.index} (drive bytes ${frame.driveOffset}–${frame.driveOffset + frame.size}) ` +
          'changed since it was checked',
      );
    }
    // Taken once: the frames' digest and, for a frame written whole, the read-back log.
    let digest: bigint | undefined;
    if (afterWriting) {
      digest = frameXxh64(data);
      afterWriting.add(frame.index, digest);
    }
    c.codecBytes += frame.size;
    for (const [start, end] of clip(wanted, frame.driveOffset, frame.driveOffset + frame.size)) {
      const piece = data.subarray(start - frame.driveOffset, end - frame.driveOffset);
      await writePiece(target, piece, start);
      log.add(piece, start, piece.byteLength === data.byteLength ? digest : undefined);
      c.bytesWritten += end - start;
    }
    c.streamDone = Math.min(options.limit, frame.driveOffset + frame.size);
    c.ratioUncompressed = c.streamDone;
    c.ratioCompressed = c.bytesRead;
  }
  if (afterWriting && !afterWriting.matches()) {
    throw damagedWhileWriting(target, FRAMES_MISMATCH);
  }
  c.streamDone = options.limit;
  return options.limit;
}

/** Writes an image without frames of its own; returns its size. */
async function writeSequential(
  image: Exclude<OpenedImage, IndexedImage>,
  target: RestoreTarget,
  progress: ProgressTracker,
  signal: AbortSignal,
  log: WrittenLog,
): Promise<number> {
  const c = progress.counters;
  let offset = 0;
  for await (const block of decodeBlocks(image, STREAM_BLOCK, (n) => (c.bytesRead += n), signal)) {
    await writePiece(target, block, offset);
    log.add(block, offset);
    offset += block.byteLength;
    c.codecBytes = offset;
    c.bytesWritten = offset;
    c.streamDone = offset;
    c.ratioUncompressed = offset;
    c.ratioCompressed = c.bytesRead;
  }
  return offset;
}
