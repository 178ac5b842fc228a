// The restore pipeline:
//
//   plan & refusals ─► confirm ─► check the image ─► write ─► read back
//
// Nothing is written before the image has been checked end to end (a damaged image is
// refused while the drive still holds its old data), and after writing every written byte is
// read back from the device and compared with what was written.
//
// Images made by other tools (no index, so no frames to check apart) restore in ONE decode
// pass by default: their codec's own checksums (zstd's content checksum, gzip's CRC-32, xz's
// check) are checked as the bytes are written, and the written ranges are hashed as they go,
// so the read-back compares without decoding again. Damage found part-way stops the restore
// with an error saying the target holds an incomplete restore. Decoding them once before
// writing (checkForeignFirst) doubles the work, as decoding is all there is to check.
//
// The check reads the image once and compares its frames, as stored, with the digest the
// manifest records; when they differ (or on older images) it decodes every frame with
// something to write instead (check-before-writing.ts). Writing decodes those frames, each
// one's stored bytes compared with what the check saw, and compares what it decoded with the
// recorded frames' digest at the end; read-back compares the XXH64 of each written range.

import type { ByteRange } from '../../../src-shared/manifest.js';
import type {
  LayoutResult,
  RestoreCheck,
  RestoreResult,
} from '../../../src-shared/protocol/events.js';
import { endSentence } from '../../../src-shared/sentence.js';
import { formatBytes } from '../../../src-shared/units.js';
import { settledLater } from '../async/settled-later.js';
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
import { countCompared, readBackAndCompare, WriteMark, WrittenLog } from './read-back.js';
import type {
  GrowChoice,
  LayoutPlan,
  RestorePlan,
  UnusedChoice,
} from '../../../src-shared/protocol/plans.js';
import { growLaidOut, writeLayout } from '../layout/apply-layout.js';
import { placeRange } from '../layout/plan-layout.js';
import { planRestore, refusalError } from './restore-plan.js';
import { describeTarget, openTarget, type RestoreTarget } from './restore-target.js';
import {
  bytesToZero,
  discardSteps,
  discardSupport,
  finishUnused,
  planUnused,
  unusedRanges,
} from './unused-space.js';

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
  /** Images made by other tools: decode the whole image once before writing anything, and
   *  again to write (default false: one pass, their checksums checked as they are written). */
  checkForeignFirst?: boolean;
  /** What to do with the target's space no filesystem of the image uses (default auto:
   *  erase it, by discard where the target supports it, else zeros). */
  unused?: UnusedChoice;
  /** On a larger drive, the partition that grows to fill it (default: the largest data one). */
  grow?: GrowChoice;
  /** Give the disk and its partitions new identifiers (GPT GUIDs, MBR disk signature). */
  newIds?: boolean;
}

/**
 * Block size for images without frames of their own. Each block is decoded, hashed for the
 * read-back, then copied into the page cache by the write: at 256 KiB it is likely still in
 * the core's cache for the last two, where a 4 MiB block is fetched from memory again. On
 * this project's 2-core machine (1 GiB fixture, loaded, medians of 3 interleaved), 256 KiB
 * instead of 4 MiB took the CPU time of a restore from 4.3 to 3.7 s for a zstd stream and
 * from 5.9 to 4.4 s for gzip, most of it kernel time.
 */
const STREAM_BLOCK = 256 * 2 ** 10;

export function restore(options: RestoreOptions, context: JobContext): Promise<RestoreResult> {
  return runJob('restore', context, (progress) => runRestore(options, context, progress));
}

async function runRestore(
  options: RestoreOptions,
  context: JobContext,
  progress: ProgressTracker,
): Promise<RestoreResult> {
  progress.phase('preparing', `Opening ${options.image}`);
  // The pool comes first: an encrypted image's chunks are opened on it, not on a second pool.
  // Its workers start at its first job (a zstd stream from another tool needs none), except
  // when a passphrase was given: then they load their native modules while it goes through
  // scrypt (a second or more on libuv's thread). The CLI passes keys on every restore, so
  // only a passphrase says the image is encrypted.
  const pool = new CodecPool(options.threads ?? defaultThreads());
  if (options.age?.passphrase !== undefined) pool.warmUp();
  let image: OpenedImage;
  try {
    image = await openImage(options.image, {
      ...(options.ssh ? { ssh: options.ssh } : {}),
      ...(options.age ? { age: options.age } : {}),
      pool,
    });
  } catch (error) {
    await pool.close();
    throw error;
  }
  // A Spillway image is decoded on the workers: they start now, behind the check and the plan,
  // instead of before the first frame can be written.
  if (image.layout === 'indexed') pool.warmUp();
  let target: RestoreTarget | undefined;
  // Into a file, read-back follows the writes (below); these stop it when anything fails.
  let writes: WriteMark | null = null;
  let alongside: Promise<void> | null = null;
  try {
    const plan = await planRestore(image, await describeTarget(options.target), options.grow);
    const refusal = plan.refusals[0];
    if (refusal) throw refusalError(refusal);
    if (!(await options.confirm(plan))) {
      throw new SpillwayError('not-confirmed', `Nothing was written to ${options.target}.`);
    }
    progress.start();

    const readBack = options.readBack ?? true;
    let payloadSize = plan.image.payloadSize;
    let checked: RestoreCheck = 'none';
    let stored: StoredDigests | null = null;
    const checkFirst =
      !options.skipCheck &&
      (image.layout === 'indexed' ||
        (image.layout === 'stream' && (options.checkForeignFirst ?? false)));
    if (checkFirst) {
      progress.phase('checking', 'Checking the image before writing anything');
      const outcome = await checkBeforeWriting(image, {
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
          `The image is damaged${where}: ${endSentence(reason)} Nothing was written.`,
          { remedy: 'verify-image' },
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

    const shrinkTo = image.layout === 'indexed' ? plan.shrinkTo : null;
    // The target's unused space: discarded before the target is held (blkdiscard holds the
    // drive itself), the rest once the image's data is written.
    // On a larger drive whose partitions move, the image's unused ranges move with them.
    const grow = plan.layout?.kind === 'grow' ? plan.layout : null;
    const unusedOnImage =
      image.layout === 'indexed'
        ? unusedRanges(image.manifest?.dontCare ?? [], shrinkTo ?? image.payloadSize)
        : [];
    const unusedSteps = planUnused(
      grow
        ? unusedOnImage.flatMap(([start, end]) =>
            placeRange(grow, start, end).map((p): ByteRange => [p.to, p.to + p.end - p.start]),
          )
        : unusedOnImage,
      options.unused ?? 'auto',
      {
        newFile: plan.target.kind === 'file' && !plan.target.exists,
        discard: await discardSupport(plan.target),
      },
    );
    let failedDiscards = new Set<number>();
    if (unusedSteps.some((s) => s.action === 'discard')) {
      progress.phase('writing', `Discarding the space no filesystem uses on ${plan.target.path}`);
      failedDiscards = await discardSteps(plan.target, unusedSteps, context.signal);
    }
    target = await openTarget(plan.target);

    progress.phase('writing', `Writing ${plan.target.path}`);
    resetCounters(progress, payloadSize);
    const log = new WrittenLog();
    // A file's read-back reads each window as soon as its writes have settled, on the core
    // the writes leave idle, instead of all of it at the end: its long reads go around the
    // page cache, as most of its writes did (a direct read writes out any cached bytes in its
    // range first), so they see the disk before the flush as much as after it; a short read
    // sees the bytes written, from the cache. A drive's reads wait for the flush, which drops
    // its cached pages (restore-target.ts), so that they come from the drive itself.
    let compared = 0;
    let verifying = false;
    const countProgress = countCompared(progress.counters);
    if (readBack && plan.target.kind === 'file') {
      const mark = new WriteMark();
      writes = mark;
      alongside = settledLater(
        readBackAndCompare({
          target,
          log,
          signal: context.signal,
          alongside: mark,
          onCompared: (bytes) => {
            compared += bytes;
            if (verifying) countProgress(bytes);
          },
        }),
      );
    }
    const size =
      image.layout === 'indexed'
        ? await writeIndexed(image, target, pool, progress, context.signal, log, writes, {
            // Onto a smaller drive the image is cut at its end.
            limit: shrinkTo ?? image.payloadSize,
            checked,
            stored,
            layout: grow,
          })
        : await writeSequential(image, target, pool, progress, context.signal, log, writes);
    writes?.finish();
    // One pass: the codec's checksums were checked as each byte was written, not before.
    if (image.layout === 'stream' && !options.skipCheck && !checkFirst) {
      checked = 'codec-checksums-while-writing';
    }
    await target.setLength(size);
    if (unusedSteps.some((s) => s.action === 'discard' || s.action === 'zero')) {
      const zeros = bytesToZero(unusedSteps);
      progress.phase(
        'writing',
        zeros > 0
          ? `Writing zeros over the ${formatBytes(zeros)} no filesystem uses`
          : 'Checking that the discarded space reads as zeros',
      );
      resetCounters(progress, zeros);
    }
    const unused = await finishUnused(
      target,
      unusedSteps,
      failedDiscards,
      progress.counters,
      context.signal,
    );
    progress.phase('finishing', 'Flushing the drive');
    await target.flush();

    let verified: boolean | null = null;
    if (readBack) {
      progress.phase('verifying', 'Reading back what was written');
      resetCounters(progress, log.bytes);
      if (alongside) {
        countProgress(compared);
        verifying = true;
        await alongside;
      } else {
        await readBackAndCompare({
          target,
          log,
          onCompared: countProgress,
          signal: context.signal,
        });
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
    const table = plan.image.manifest?.partitionTable;
    let layout: LayoutResult | undefined;
    if (plan.layout && shrinkTo === null && table && image.layout === 'indexed') {
      const onPhase = (message: string) => progress.phase('finishing', message);
      layout = await writeLayout(
        { path: plan.target.path, ...bind(target) },
        plan.layout,
        table.type,
        {
          sourceSize: image.payloadSize,
          sectorSize: table.sectorSize,
          newIds: options.newIds ?? false,
          onPhase,
        },
      );
      if (layout && plan.target.kind === 'device') {
        // The tools that grow a filesystem open its partition exclusively.
        const closing = target;
        target = undefined;
        await closing.close();
        await growLaidOut(plan.target.path, plan.layout, layout, onPhase);
      }
    }
    return {
      kind: 'restore',
      target: plan.target.path,
      bytesWritten: log.bytes,
      checked,
      readBack: verified,
      seconds: progress.elapsedSeconds,
      ...(layout ? { layout } : {}),
      unused,
    };
  } catch (error) {
    // Its reads end before the target is closed.
    writes?.abandon();
    await alongside?.catch(() => {});
    // A file this restore created goes away; a drive or an existing file keeps what it holds.
    if (target && !target.description.exists) await target.discard();
    throw error;
  } finally {
    progress.stop();
    await pool.close();
    // After flush() (synced) on success, or after a failure being reported: closing can
    // lose nothing more.
    await target?.close().catch(() => {});
    await image.input.close();
  }
}

/** The target's methods, bound (for the layout's last steps). */
function bind(target: RestoreTarget) {
  return {
    read: target.read.bind(target),
    write: target.write.bind(target),
    flush: target.flush.bind(target),
  };
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
 * of zeros are left as holes: they read as zeros, faster and taking no space. The log learns
 * where, so that read-back need not read them.
 */
async function writePiece(
  target: RestoreTarget,
  piece: Uint8Array,
  position: number,
  log: WrittenLog,
) {
  if (!target.sparse) return target.write(piece, position);
  let at = 0;
  for (const [start, end] of nonZeroRuns(piece, position)) {
    if (start > at) log.leftAsHole(position + at, position + start);
    await target.write(piece.subarray(start, end), position + start);
    at = end;
  }
  if (at < piece.byteLength) log.leftAsHole(position + at, position + piece.byteLength);
}

/** Damage found once writing began: a drive (or a file that was there) holds part of it. */
function damagedWhileWriting(target: RestoreTarget, reason: string): SpillwayError {
  const { path, exists } = target.description;
  return new SpillwayError(
    'image-damaged',
    `The image is damaged: ${endSentence(reason)}` +
      (exists ? ` ${path} holds a partial restore.` : ''),
    { facts: { target: path }, remedy: 'verify-image' },
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
  writes: WriteMark | null,
  options: {
    /** Write the drive's bytes up to here (the target's size when it is smaller). */
    limit: number;
    /** How the image was checked before writing. */
    checked: RestoreCheck;
    /** Each frame's XXH64 as stored, as the check saw it; null when it was skipped. */
    stored: StoredDigests | null;
    /** Where the bytes go on a larger drive (null: where they were). */
    layout: LayoutPlan | null;
  },
): Promise<number> {
  const c = progress.counters;
  const { wanted, frames } = selectWrites(image, options.limit);
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
      const placed = options.layout
        ? placeRange(options.layout, start, end)
        : [{ start, end, to: start }];
      for (const p of placed) {
        const piece = data.subarray(p.start - frame.driveOffset, p.end - frame.driveOffset);
        await writePiece(target, piece, p.to, log);
        log.add(piece, p.to, piece.byteLength === data.byteLength ? digest : undefined);
        writes?.advance(p.to + piece.byteLength);
        c.bytesWritten += p.end - p.start;
      }
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

/**
 * Damage found by the one decode pass of an image without frames, once writing began: the
 * target holds the bytes before it. Said plainly, so nobody takes it for a restored drive.
 */
function incompleteRestore(target: RestoreTarget, error: SpillwayError, written: number) {
  const { path, exists } = target.description;
  const where = `only its first ${formatBytes(written)} were written`;
  return new SpillwayError(
    error.code,
    `${error.message} The restore stopped: ` +
      (exists
        ? `${path} holds an incomplete restore: ${where}.`
        : `${where}, so the unfinished ${path} was removed.`),
    { facts: { target: path }, remedy: 'use-another-copy', cause: error },
  );
}

/**
 * Writes an image without frames of its own, in one decode pass; returns its size. One write
 * stays in flight while the next block is decoded (the decoder hands out blocks in turn and
 * leaves a block alone until two more were taken). Multi-block xz files are decoded several
 * blocks at once on the pool, in order.
 */
async function writeSequential(
  image: Exclude<OpenedImage, IndexedImage>,
  target: RestoreTarget,
  pool: CodecPool,
  progress: ProgressTracker,
  signal: AbortSignal,
  log: WrittenLog,
  writes: WriteMark | null,
): Promise<number> {
  const c = progress.counters;
  let offset = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const block of decodeBlocks(
      image,
      STREAM_BLOCK,
      (n) => (c.bytesRead += n),
      signal,
      pool,
    )) {
      log.add(block, offset);
      await writing;
      const at = offset;
      writing = settledLater(
        writePiece(target, block, at, log).then(() => {
          c.bytesWritten = at + block.byteLength;
          writes?.advance(c.bytesWritten);
        }),
      );
      offset += block.byteLength;
      c.codecBytes = offset;
      c.streamDone = offset;
      c.ratioUncompressed = offset;
      c.ratioCompressed = c.bytesRead;
    }
    await writing;
  } catch (error) {
    await writing.catch(() => {});
    const decodeFailed =
      error instanceof SpillwayError &&
      (error.code === 'image-damaged' || error.code === 'image-truncated');
    // Before the first block nothing was written: the error stands as it is.
    if (decodeFailed && offset > 0 && !signal.aborted) {
      throw incompleteRestore(target, error, c.bytesWritten);
    }
    throw error;
  }
  return offset;
}
