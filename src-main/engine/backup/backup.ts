// The backup pipeline:
//
//   block map ─► reader ─► frame queue ─► codec pool ─► ordered writer ─► sink
//
// The reader and the compress/write loop run concurrently and meet at the frame queue; every
// link is bounded, so memory does not grow with the drive, and the slowest stage sets the pace.

import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import type { CodecName, Manifest } from '../../../src-shared/manifest.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION } from '../../../src-shared/manifest.js';
import type { BackupResult } from '../../../src-shared/protocol/events.js';
import { Channel } from '../async/channel.js';
import { rawBlockMap, type BlockMap } from '../blockmap/block-map.js';
import { compressBound } from '../codecs/bounds.js';
import { ZSTD_LEVELS } from '../codecs/zstd-frame.js';
import { SpillwayError } from '../errors.js';
import { ZstdImageWriter } from '../format/zstd-image-writer.js';
import { checkFrameSize, DEFAULT_FRAME_SIZE, frameCount, type RawFrame } from '../frames/frame.js';
import { readPositioned, readStream } from '../frames/frame-reader.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import { SlotArena } from '../pool/slot-arena.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import { openFileSink } from '../sink/file-sink.js';
import type { ImageSink } from '../sink/image-sink.js';
import { streamSink } from '../sink/stream-sink.js';
import { openBackupSource, type BackupSource } from '../source/backup-source.js';
import { TOOL_VERSION } from '../version.js';
import { compressInOrder, maxFramesInFlight } from './compress-stage.js';
import { resolveDestination } from './destination.js';

export interface BackupOptions {
  /** Drive, file, or "-" for stdin. */
  source: string;
  /** Image file, folder, or "-" for stdout. */
  destination: string;
  level?: number;
  threads?: number;
  frameSize?: number;
  /** Replace an existing destination file. */
  force?: boolean;
  stdin?: Readable;
  stdout?: Writable;
}

const CODEC: CodecName = 'zstd';
/** Frames waiting between the reader and the codec pool. */
const QUEUE_FRAMES = 4;
/** Frame reads in flight at once. */
const READ_AHEAD = 2;

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < ZSTD_LEVELS.min || level > ZSTD_LEVELS.max) {
    throw new SpillwayError(
      'usage',
      `zstd levels go from ${ZSTD_LEVELS.min} to ${ZSTD_LEVELS.max}.`,
    );
  }
}

export function backup(options: BackupOptions, context: JobContext): Promise<BackupResult> {
  return runJob('backup', context, (progress) => runBackup(options, context, progress));
}

async function runBackup(
  options: BackupOptions,
  context: JobContext,
  progress: ProgressTracker,
): Promise<BackupResult> {
  const level = options.level ?? ZSTD_LEVELS.default;
  const frameSize = options.frameSize ?? DEFAULT_FRAME_SIZE;
  const threads = options.threads ?? defaultThreads();
  checkLevel(level);
  try {
    checkFrameSize(frameSize);
  } catch (error) {
    throw new SpillwayError('usage', (error as Error).message);
  }
  progress.phase('preparing', `Opening ${options.source}`);

  const source = await openBackupSource(options.source, options.stdin);
  let sink: ImageSink | undefined;
  let pool: CodecPool | undefined;
  try {
    const destination = await resolveDestination(options.destination, source, {
      force: options.force ?? false,
      extension: '.img.zst',
    });
    const map = source.type === 'positioned' ? rawBlockMap(source.info.size) : null;
    sink =
      destination === '-'
        ? streamSink(options.stdout ?? process.stdout)
        : await openFileSink(destination, { force: options.force ?? false });
    pool = new CodecPool(threads);
    const startedAt = new Date();
    const counters = progress.counters;
    counters.level = level;
    counters.streamTotal = map?.size ?? null;
    counters.bytesToRead = map ? map.read.reduce((n, [s, e]) => n + e - s, 0) : null;
    progress.phase('reading', `Reading ${source.info.path}`);
    progress.start();

    const writer = new ZstdImageWriter(sink);
    await writer.start({
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_VERSION,
      codec: CODEC,
      frameSize,
      sourceSize: map?.size ?? null,
      sourcePath: source.info.path,
      createdAt: startedAt.toISOString(),
    });
    const activeSink = sink;
    const hash = createHash('sha256');
    // Slots for every frame that can be in flight: being read, queued, at the codec stage.
    const atCodec = maxFramesInFlight(pool);
    const arena = new SlotArena(frameSize, READ_AHEAD + QUEUE_FRAMES + atCodec + 1);
    const outputs = new SlotArena(compressBound(CODEC, frameSize), atCodec + 1);
    const frames = new Channel<RawFrame>(QUEUE_FRAMES);
    // One signal stops every stage: the user's cancel, or the first stage to fail (the others
    // may be waiting for a slot or a frame that will never come).
    const stop = new AbortController();
    const cancel = () => stop.abort(context.signal.reason ?? new Error('cancelled'));
    context.signal.addEventListener('abort', cancel, { once: true });
    stop.signal.addEventListener('abort', () => frames.fail(stop.signal.reason), { once: true });
    const stage = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    };

    let size = map?.size ?? 0;
    const reading = stage(async () => {
      const options = { frameSize, arena, hash, progress: counters, signal: stop.signal };
      if (source.type === 'positioned') {
        await readPositioned(source, frames, { ...options, map: map!, readAhead: READ_AHEAD });
      } else {
        size = await readStream(source, frames, options);
      }
      frames.close();
    });
    const writing = stage(() =>
      compressInOrder(frames, pool!, {
        codec: CODEC,
        level,
        outputs,
        signal: stop.signal,
        onFrame: async (compressed, frameBytes) => {
          await writer.addFrame(compressed, frameBytes);
          counters.streamDone += frameBytes;
          counters.bytesWritten = activeSink.bytesWritten;
          counters.ratioUncompressed = counters.streamDone;
          counters.ratioCompressed = activeSink.bytesWritten;
        },
        onCompressed: (frameBytes) => (counters.codecBytes += frameBytes),
      }),
    );
    const [read, written] = await Promise.allSettled([reading, writing]);
    context.signal.removeEventListener('abort', cancel);
    context.signal.throwIfAborted();
    // The first failure is the cause; the other stage's error is only its consequence.
    if (stop.signal.aborted) throw stop.signal.reason;
    if (read.status === 'rejected') throw read.reason;
    if (written.status === 'rejected') throw written.reason;

    progress.phase('finishing', 'Writing the index and manifest');
    const finalMap = map ?? rawBlockMap(size);
    const manifest = buildManifest({
      source,
      map: finalMap,
      size,
      level,
      frameSize,
      sha256: hash.digest('hex'),
      startedAt,
    });
    await writer.finish(manifest);
    await sink.commit();
    progress.counters.bytesWritten = sink.bytesWritten;
    return {
      kind: 'backup',
      image: sink.name,
      size,
      imageBytes: sink.bytesWritten,
      ratio: sink.bytesWritten > 0 ? size / sink.bytesWritten : null,
      streamSha256: manifest.streamSha256,
      frames: manifest.frameCount,
      seconds: progress.elapsedSeconds,
      badRanges: manifest.badRanges,
    };
  } catch (error) {
    await sink?.abort();
    throw error;
  } finally {
    progress.stop();
    await pool?.close();
    await source.close();
  }
}

function buildManifest(input: {
  source: BackupSource;
  map: BlockMap;
  size: number;
  level: number;
  frameSize: number;
  sha256: string;
  startedAt: Date;
}): Manifest {
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    tool: { name: 'spillway', version: TOOL_VERSION },
    createdAt: input.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    source: { ...input.source.info, size: input.size },
    partitionTable: input.map.partitionTable,
    mode: input.map.mode,
    codec: { name: CODEC, level: input.level, levels: [{ from: 0, level: input.level }] },
    frameSize: input.frameSize,
    frameCount: frameCount(input.size, input.frameSize),
    size: input.size,
    streamSha256: input.sha256,
    dontCare: input.map.dontCare,
    badRanges: [],
  };
}
