// The restore pipeline:
//
//   plan & refusals ─► confirm ─► check the image ─► write ─► read back
//
// Nothing is written before the image has been checked end to end (a damaged image is
// refused while the drive still holds its old data), and after writing every written byte is
// read back from the device and compared.

import { createHash } from 'node:crypto';
import type { RestoreResult } from '../../../src-shared/protocol/events.js';
import { formatBytes } from '../../../src-shared/units.js';
import { SpillwayError } from '../errors.js';
import { decodeFrames } from '../image/frame-decoder.js';
import { openImage, type IndexedImage, type OpenedImage } from '../image/open-image.js';
import { decodeBlocks } from '../image/stream-decoder.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import type { SshOptions } from '../remote/ssh-connection.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import { clip, complement, normalize, type ByteRange } from '../ranges.js';
import { checkImage } from '../verify/check-image.js';
import { moveGptBackup } from '../blockmap/partition-table/gpt-resize.js';
import { firstDifference, readBackError, readBackMatches } from './read-back.js';
import { planRestore, refusalError, type RestorePlan } from './restore-plan.js';
import { describeTarget, openTarget, type RestoreTarget } from './restore-target.js';

export interface RestoreOptions {
  image: string;
  target: string;
  threads?: number;
  /** How to reach and trust the machine of an ssh:// image. */
  ssh?: SshOptions;
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
  const image = await openImage(options.image, options.ssh ? { ssh: options.ssh } : {});
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
    // The hash the restored drive must give back: recorded in the image, or computed.
    let expectedSha256 = image.layout === 'indexed' ? (image.manifest?.streamSha256 ?? null) : null;
    let payloadSize = plan.image.payloadSize;
    if (!options.skipCheck && image.layout !== 'raw') {
      progress.phase('checking', 'Checking the image before writing anything');
      const outcome = await checkImage(
        image,
        pool,
        progress.counters,
        context.signal,
        expectedSha256 === null,
      );
      const damage = outcome.damage[0];
      if (damage) {
        const where = damage.drive
          ? ` at bytes ${damage.drive[0]}–${damage.drive[1]} of the drive`
          : '';
        throw new SpillwayError(
          'image-damaged',
          `The image is damaged${where}: ${damage.reason}. Nothing was written.`,
          {
            hint: 'Run `spillway verify` for every damaged range; use another copy if you have one.',
          },
        );
      }
      payloadSize = outcome.size;
      expectedSha256 ??= outcome.sha256;
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
    // Onto a smaller drive the image is cut at its end: what can be read back is that part,
    // so its hash is taken while writing.
    const shrinkTo = image.layout === 'indexed' ? plan.shrinkTo : null;
    const hashWhileWriting = readBack && (expectedSha256 === null || shrinkTo !== null);
    const written =
      image.layout === 'indexed'
        ? await writeIndexed(image, target, pool, progress, context.signal, {
            zeroUnused: options.zeroUnused ?? false,
            hash: hashWhileWriting,
            limit: shrinkTo ?? image.payloadSize,
          })
        : await writeSequential(image, target, progress, context.signal, hashWhileWriting);
    await target.setLength(written.size);
    progress.phase('finishing', 'Flushing the drive');
    await target.flush();

    let verified: boolean | null = null;
    if (readBack) {
      progress.phase('verifying', 'Reading back what was written');
      resetCounters(progress, written.size);
      const matches = await readBackMatches({
        target,
        size: written.size,
        written: written.ranges,
        expectedSha256: (shrinkTo !== null ? written.sha256 : (expectedSha256 ?? written.sha256))!,
        counters: progress.counters,
        signal: context.signal,
      });
      if (!matches) {
        progress.phase('verifying', 'Finding where the drive differs from the image');
        const blocks =
          image.layout === 'indexed'
            ? indexedBlocks(image, pool, context.signal)
            : sequentialBlocks(image, context.signal);
        throw readBackError(
          plan.target.path,
          await firstDifference(target, blocks, written.ranges),
        );
      }
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
      bytesWritten: written.bytes,
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

interface Written {
  /** Bytes the image holds (the file target's length). */
  size: number;
  /** Bytes actually written, and where. */
  bytes: number;
  ranges: ByteRange[];
  /** SHA-256 of the stream, when it was asked to be taken while writing. */
  sha256: string | null;
}

async function writeIndexed(
  image: IndexedImage,
  target: RestoreTarget,
  pool: CodecPool,
  progress: ProgressTracker,
  signal: AbortSignal,
  /** limit: write the drive's bytes up to here (the target's size when it is smaller). */
  options: { zeroUnused: boolean; hash: boolean; limit: number },
): Promise<Written> {
  const c = progress.counters;
  const skip = options.zeroUnused ? [] : normalize(image.manifest?.dontCare ?? []);
  const wanted = complement(skip, 0, options.limit);
  const hash = options.hash ? createHash('sha256') : null;
  let bytes = 0;
  for await (const decoded of decodeFrames(image, {
    pool,
    signal,
    onRead: (n) => (c.bytesRead += n),
  })) {
    if (decoded.damage) {
      throw new SpillwayError('image-damaged', `The image is damaged: ${decoded.damage.reason}.`);
    }
    const { frame, data } = decoded;
    c.codecBytes += frame.size;
    const inside = Math.max(0, Math.min(frame.size, options.limit - frame.driveOffset));
    hash?.update(data.subarray(0, inside));
    for (const [start, end] of clip(wanted, frame.driveOffset, frame.driveOffset + frame.size)) {
      await target.write(data.subarray(start - frame.driveOffset, end - frame.driveOffset), start);
      bytes += end - start;
      c.bytesWritten += end - start;
    }
    c.streamDone += frame.size;
    c.ratioUncompressed = c.streamDone;
    c.ratioCompressed = c.bytesRead;
  }
  return { size: options.limit, bytes, ranges: wanted, sha256: hash?.digest('hex') ?? null };
}

async function writeSequential(
  image: Exclude<OpenedImage, IndexedImage>,
  target: RestoreTarget,
  progress: ProgressTracker,
  signal: AbortSignal,
  hashStream: boolean,
): Promise<Written> {
  const c = progress.counters;
  const hash = hashStream ? createHash('sha256') : null;
  let offset = 0;
  for await (const block of decodeBlocks(image, STREAM_BLOCK, (n) => (c.bytesRead += n), signal)) {
    await target.write(block, offset);
    hash?.update(block);
    offset += block.byteLength;
    c.codecBytes = offset;
    c.bytesWritten = offset;
    c.streamDone = offset;
    c.ratioUncompressed = offset;
    c.ratioCompressed = c.bytesRead;
  }
  return {
    size: offset,
    bytes: offset,
    ranges: offset > 0 ? [[0, offset]] : [],
    sha256: hash?.digest('hex') ?? null,
  };
}

/** The image's blocks again, with their offsets, to find where a read-back differs. */
async function* indexedBlocks(image: IndexedImage, pool: CodecPool, signal: AbortSignal) {
  for await (const decoded of decodeFrames(image, { pool, signal })) {
    if (decoded.data) yield { offset: decoded.frame.driveOffset, data: decoded.data };
  }
}

async function* sequentialBlocks(image: Exclude<OpenedImage, IndexedImage>, signal: AbortSignal) {
  let offset = 0;
  for await (const block of decodeBlocks(image, STREAM_BLOCK, () => {}, signal)) {
    yield { offset, data: block };
    offset += block.byteLength;
  }
}
