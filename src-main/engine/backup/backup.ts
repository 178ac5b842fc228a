// The backup pipeline:
//
//   block map ─► reader ─► spill buffer ─► codec pool ─► ordered writer ─► sink
//
// The reader and the compress/write loop run concurrently and meet at the spill buffer
// (pipeline.ts); every link is bounded, so memory does not grow with the drive. When the
// destination (or compressors that leave a core idle) are slower than the drive, the
// difference spills to disk and the drive is released as soon as it has been read.

import { availableParallelism } from 'node:os';
import { statfs } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { CodecName, Manifest } from '../../../src-shared/manifest.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION } from '../../../src-shared/manifest.js';
import type { BackupResult } from '../../../src-shared/protocol/events.js';
import { rawBlockMap, type BlockMap } from '../blockmap/block-map.js';
import { readAtOf } from '../blockmap/read-source.js';
import { rawBlockMapWithTable, usedBlockMap } from '../blockmap/used-block-map.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import type { StreamDigests } from '../digest/frame-digests.js';
import { StreamDigestThread } from '../digest/stream-digest-thread.js';
import type { ImageWriter } from '../format/image-writer.js';
import { SeekableImageWriter } from '../format/seekable/writer.js';
import { SidecarImageWriter } from '../format/sidecar/writer.js';
import { DEFAULT_FRAME_SIZE, frameCount } from '../frames/frame.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import { SlotArena } from '../pool/slot-arena.js';
import { BusyMeter } from '../progress/busy-meter.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import { totalLength } from '../ranges.js';
import { openFileSink } from '../endpoints/file/sink.js';
import type { ImageSink } from '../endpoints/image-sink.js';
import { streamSink } from '../endpoints/stdio/sink.js';
import { throttledSink } from '../endpoints/throttled-sink.js';
import { openBackupSource, type BackupSource } from '../source/backup-source.js';
import { CarefulReader, describeBadRanges, type OnReadError } from '../source/careful-read.js';
import { deviceAnswers } from '../device/probe.js';
import { directRead } from '../device/direct-read.js';
import { formatBytes } from '../../../src-shared/units.js';
import type { ByteRange } from '../../../src-shared/manifest.js';
import { openSpill, type OpenedSpill, type SpillSettings } from '../spill/open-spill.js';
import { openSplitSink } from '../endpoints/split/sink.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import { isSshUrl, parseSshUrl } from '../endpoints/ssh/url.js';
import { automaticPartSize, MIN_PART_SIZE } from '../endpoints/split/part-names.js';
import { TOOL_VERSION } from '../version.js';
import { SpillwayError } from '../errors.js';
import { maxFramesInFlight } from './compress-stage.js';
import { destinationFull, destinationReserve, isDiskFull } from './destination-space.js';
import { prepareResume, type Resumed } from './resume.js';
import { resolveDestination } from './destination.js';
import { LevelController, type AdaptiveRange } from './level-controller.js';
import { LevelRuns } from './level-runs.js';
import { checkAdaptiveRange, checkFrameSizeOption, checkLevel, checkRate } from './options.js';
import { runPipeline } from './pipeline.js';

export interface BackupOptions {
  /** Drive, file, or "-" for stdin. */
  source: string;
  /** Image file, folder, or "-" for stdout. */
  destination: string;
  /** used (default): read only what the filesystems use; raw: every byte (--mode). */
  mode?: 'used' | 'raw';
  /** zstd (default), lz4, gzip, xz or none (--codec). */
  codec?: CodecName;
  level?: number;
  /** Let the level follow the backlog between these levels (--adapt). */
  adapt?: AdaptiveRange;
  threads?: number;
  frameSize?: number;
  /** The spill buffer's folder and limits; false for a memory queue only (--no-spill). */
  spill?: SpillSettings | false;
  /** Write the image no faster than this, bytes per second (--max-write-rate). */
  maxWriteRate?: number;
  /** What to do with sectors that cannot be read: zero-fill and record them, or stop. */
  onReadError?: OnReadError;
  /** Continue an interrupted backup (DESTINATION.incomplete) from its last complete frame. */
  resume?: boolean;
  /** On failure keep what was written as DESTINATION.incomplete (for --resume). */
  keepPartial?: boolean;
  /** Write the image as parts of this many bytes; false never splits. By default images
   *  are split below 4 GiB on FAT32 destinations, which cannot hold larger files. */
  split?: number | false;
  /** How to reach and trust the machine of an ssh:// destination. */
  ssh?: SshOptions;
  /** Replace an existing destination file. */
  force?: boolean;
  stdin?: Readable;
  stdout?: Writable;
}

/** The SSH library loads only for ssh:// destinations: every other backup starts faster. */
const loadSshSink = () => import('../endpoints/ssh/sink.js');

/** Frames waiting in memory between the reader and the codec pool. */
const MEMORY_FRAMES = 4;
/** Frame reads in flight at once. */
const READ_AHEAD = 2;

export function backup(options: BackupOptions, context: JobContext): Promise<BackupResult> {
  return runJob('backup', context, (progress) => runBackup(options, context, progress));
}

async function runBackup(
  options: BackupOptions,
  context: JobContext,
  progress: ProgressTracker,
): Promise<BackupResult> {
  const codec = options.codec ?? 'zstd';
  const info = CODEC_INFO[codec];
  const startLevel = options.level ?? info.levels.default;
  const frameSize = options.frameSize ?? DEFAULT_FRAME_SIZE;
  const threads = options.threads ?? defaultThreads();
  checkLevel(codec, startLevel);
  if (options.adapt) checkAdaptiveRange(codec, options.adapt);
  if (options.resume && codec !== 'zstd') {
    throw new SpillwayError('usage', '--resume works for zstd images only.');
  }
  checkFrameSizeOption(frameSize);
  checkRate(options.maxWriteRate);
  progress.phase('preparing', `Opening ${options.source}`);

  const source = await openBackupSource(options.source, options.stdin);
  let sink: ImageSink | undefined;
  let writer: ImageWriter | undefined;
  let pool: CodecPool | undefined;
  let digest: StreamDigestThread | undefined;
  let spill: OpenedSpill | undefined;
  let freeTimer: NodeJS.Timeout | undefined;
  try {
    const remote = isSshUrl(options.destination) ? parseSshUrl(options.destination) : null;
    if (remote && options.resume) {
      throw new SpillwayError('usage', 'A backup to another machine cannot be resumed.');
    }
    // "-" and ssh:// are written as streams: no folder to check, no index file beside them.
    const streamed = options.destination === '-' || remote !== null;
    const destination = remote
      ? options.destination
      : await resolveDestination(options.destination, source, {
          force: options.force ?? false,
          extension: info.extension,
          resume: options.resume ?? false,
        });
    const map = source.type === 'positioned' ? await blockMapFor(source, options, progress) : null;
    pool = new CodecPool(threads);
    digest = new StreamDigestThread();
    // Slots for every frame that can be in flight: being read, queued, at the codec stage.
    const atCodec = maxFramesInFlight(pool);
    const arena = new SlotArena(frameSize, READ_AHEAD + MEMORY_FRAMES + atCodec + 1);
    const outputs = new SlotArena(info.bound(frameSize), atCodec + 1);
    spill = await openSpill({
      settings: options.spill ?? {},
      sourceDevnum:
        source.type === 'positioned' && source.info.kind === 'device' ? source.devnum : null,
      arena,
      memoryFrames: MEMORY_FRAMES,
      frameSize,
      signal: context.signal,
      warn: (message) => progress.warn(message),
    });
    const careful =
      source.type === 'positioned' ? carefulReaderFor(source, options, progress) : null;
    const resumed =
      options.resume && source.type === 'positioned'
        ? await prepareResumeWithProgress(progress, {
            destination,
            source,
            map: map!,
            pool,
            digest,
            readRange: (target, position) => careful!.readRange(target, position),
            signal: context.signal,
          })
        : null;
    if (resumed && map && (resumed.header.mode ?? 'raw') !== map.mode) {
      throw new SpillwayError(
        'usage',
        `The interrupted backup read in ${resumed.header.mode ?? 'raw'} mode: resume with --mode ${resumed.header.mode ?? 'raw'}.`,
      );
    }
    if (resumed && resumed.header.frameSize !== frameSize) {
      throw new SpillwayError(
        'usage',
        `The interrupted backup used frames of ${resumed.header.frameSize} bytes: resume without --frame-size.`,
      );
    }
    const partSize = await splitPartSize(options, streamed ? '-' : destination, progress);
    const fileSink =
      destination === '-'
        ? streamSink(options.stdout ?? process.stdout)
        : remote
          ? await (
              await loadSshSink()
            ).openSshSink(remote, { ...options.ssh, force: options.force ?? false })
          : partSize !== null
            ? await openSplitSink(destination, partSize, { force: options.force ?? false })
            : await openFileSink(destination, {
                force: options.force ?? false,
                ...(resumed ? { resumeAt: resumed.resumeAt } : {}),
              });
    sink = options.maxWriteRate ? throttledSink(fileSink, options.maxWriteRate) : fileSink;
    const activeSink = sink;
    const activeSpill = spill;

    let startedAt = new Date();
    const counters = progress.counters;
    counters.level = startLevel;
    counters.streamTotal = map?.size ?? null;
    counters.bytesToRead = map ? totalLength(map.read) : null;
    const meters = { read: new BusyMeter(), codec: pool.busy, write: new BusyMeter() };
    progress.watchStages(meters);
    progress.addSampler(() => (counters.spill = activeSpill.buffer.figures()));
    // Compressors on every core are the bottleneck: spilling would only slow them down.
    const everyCore = threads >= availableParallelism();
    activeSpill.buffer.codecBound = () => everyCore && counters.bottleneck === 'codec';
    // Stop before the destination is full: its free space is watched every second.
    const jobStop = new AbortController();
    const cancel = () => jobStop.abort(context.signal.reason);
    context.signal.addEventListener('abort', cancel, { once: true });
    // Cancelled before the listener was there: an abort event does not come twice.
    if (context.signal.aborted) cancel();
    const reserve = streamed ? 0 : destinationReserve(await volumeSize(dirname(destination)));
    const refreshFree = async () => {
      counters.destinationFree = await activeSink.freeSpace();
      if (counters.destinationFree !== null && counters.destinationFree < reserve) {
        jobStop.abort(Object.assign(new Error('destination nearly full'), { code: 'ENOSPC' }));
      }
    };
    await refreshFree();
    // A failed look misses one second's look (the next one comes), and the log says why.
    freeTimer = setInterval(
      () =>
        void refreshFree().catch((error: unknown) =>
          context.log?.warn('could not read the free space of the destination', error),
        ),
      1000,
    );
    freeTimer.unref();

    writer = imageWriter(codec, sink, streamed ? null : destination, resumed);
    if (streamed && info.index === 'sidecar') {
      progress.warn(
        `A ${codec} image written to a stream has no index beside it: it restores, but in ` +
          'one pass and without per-frame checks. Write it to a file for both.',
      );
    }
    const activeWriter = writer;
    if (!resumed) {
      await writer.start({
        format: MANIFEST_FORMAT,
        formatVersion: MANIFEST_VERSION,
        codec,
        frameSize,
        sourceSize: map?.size ?? null,
        sourcePath: source.info.path,
        ...(source.info.model ? { sourceModel: source.info.model } : {}),
        ...(source.info.serial ? { sourceSerial: source.info.serial } : {}),
        level: startLevel,
        mode: map?.mode ?? 'raw',
        createdAt: startedAt.toISOString(),
      });
    } else {
      // The image was started by the interrupted run: its creation time is that run's.
      startedAt = new Date(resumed.header.createdAt);
      counters.streamDone = counters.codecBytes = resumed.bytes;
      counters.bytesWritten = resumed.resumeAt;
      counters.ratioUncompressed = resumed.bytes;
      counters.ratioCompressed = resumed.resumeAt;
    }
    progress.phase('reading', `Reading ${source.info.path}`);
    progress.start();

    const levels = new LevelRuns();
    // Frames already in a resumed image were compressed at the level it started with.
    for (let i = 0; i < (resumed?.firstFrame ?? 0); i++) {
      levels.add(resumed?.header.level ?? startLevel);
    }
    const controller = options.adapt
      ? new LevelController(options.adapt, startLevel, threads * 2)
      : null;
    const codecUse = new CodecUtilization(pool.busy);
    const size = await runPipeline({
      source,
      map,
      frameSize,
      readAhead: READ_AHEAD,
      ...(careful ? { readRange: (target, position) => careful.readRange(target, position) } : {}),
      firstFrame: resumed?.firstFrame ?? 0,
      arena,
      outputs,
      queue: spill.buffer,
      pool,
      codec,
      levelFor: () => {
        if (!controller) return startLevel;
        const t = performance.now();
        return controller.next({
          t,
          backlog: activeSpill.buffer.backlog,
          codecUtilization: codecUse.sample(t),
        });
      },
      writer: activeWriter,
      digest,
      progress: counters,
      meters,
      onReadDone: () =>
        progress.phase(
          'draining',
          `All of ${source.info.path} has been read; writing what is still waiting`,
        ),
      onCompressed: (bytes) => (counters.codecBytes += bytes),
      onWritten: (bytes, level) => {
        levels.add(level);
        counters.level = level;
        counters.streamDone += bytes;
        counters.bytesWritten = activeSink.bytesWritten;
        counters.ratioUncompressed = counters.streamDone;
        counters.ratioCompressed = activeSink.bytesWritten;
      },
      signal: jobStop.signal,
    });
    context.signal.removeEventListener('abort', cancel);

    const badRanges = careful?.badRanges() ?? [];
    if (badRanges.length > 0) {
      const total = badRanges.reduce((sum, [a, b]) => sum + b - a, 0);
      progress.warn(
        `${formatBytes(total)} of ${source.info.path} could not be read (${badRanges.length} ` +
          `range${badRanges.length === 1 ? '' : 's'}); those bytes are zeros in the image and ` +
          `are recorded in it: ${describeBadRanges(badRanges, 3).join('; ')}`,
      );
    }
    progress.phase('finishing', 'Writing the index and manifest');
    const manifest = buildManifest({
      codec,
      source,
      map: map ?? rawBlockMap(size),
      size,
      startLevel,
      adapt: options.adapt,
      levels,
      frameSize,
      digests: await digest.result(),
      startedAt,
      badRanges,
    });
    await writer.finish(manifest);
    await sink.commit();
    await writer.commit();
    counters.bytesWritten = sink.bytesWritten;
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
      ...(partSize !== null ? { parts: Math.max(1, Math.ceil(sink.bytesWritten / partSize)) } : {}),
    };
  } catch (error) {
    const kept = options.keepPartial ? ((await sink?.keepPartial()) ?? null) : null;
    if (!kept) await sink?.abort();
    await writer?.abort();
    if (isDiskFull(error) && sink && sink.name !== '-') {
      throw await destinationFull(sink.name, progress.counters, kept);
    }
    if (kept && error instanceof SpillwayError) {
      throw new SpillwayError(error.code, `${error.message} The part written is kept as ${kept}.`, {
        hint: 'Continue it later with --resume.',
      });
    }
    throw error;
  } finally {
    if (freeTimer) clearInterval(freeTimer);
    progress.stop();
    await pool?.close();
    await digest?.close();
    await spill?.dispose();
    await source.close();
  }
}

/** The size of the parts to write, or null for one file (see BackupOptions.split). */
async function splitPartSize(
  options: BackupOptions,
  destination: string,
  progress: ProgressTracker,
): Promise<number | null> {
  if (options.split === false || options.split === undefined) {
    if (options.split === false || destination === '-' || options.resume) return null;
    const automatic = automaticPartSize((await statfs(dirname(destination))).type);
    if (automatic !== null) {
      progress.warn(
        `${dirname(destination)} is FAT32, which cannot hold files of 4 GiB or more: the image ` +
          `is written in parts of ${formatBytes(automatic)} (${basename(destination)}.000, .001, …).`,
      );
    }
    return automatic;
  }
  if (destination === '-') {
    throw new SpillwayError('usage', '--split needs a file destination on this machine.');
  }
  if (options.resume) throw new SpillwayError('usage', 'A split backup cannot be resumed.');
  if (!Number.isInteger(options.split) || options.split < MIN_PART_SIZE) {
    throw new SpillwayError(
      'usage',
      `--split needs parts of at least ${formatBytes(MIN_PART_SIZE)}.`,
    );
  }
  return options.split;
}

/** The bytes a backup reads: all of them (raw), or what the filesystems use (used). */
async function blockMapFor(
  source: Extract<BackupSource, { type: 'positioned' }>,
  options: BackupOptions,
  progress: ProgressTracker,
): Promise<BlockMap> {
  if ((options.mode ?? 'used') === 'raw') {
    return rawBlockMapWithTable(readAtOf(source), source.info.size, source.info.logicalSectorSize);
  }
  progress.phase('preparing', `Reading the partition table and filesystems of ${source.info.path}`);
  const map = await usedBlockMap(readAtOf(source), source.info.size, source.info.logicalSectorSize);
  // A drive (or file) with no partition table and no filesystem is simply read whole, as
  // in raw mode: nothing to warn about. A table or filesystem that is distrusted is.
  if (map.reason && map.partitionTable === null && !map.reason.startsWith('no partition')) {
    progress.warn(`${source.info.path}: ${map.reason}.`);
  }
  for (const p of map.partitionTable?.partitions ?? []) {
    if (p.mode === 'raw' && p.reason) progress.warn(`Partition ${p.index}: ${p.reason}.`);
  }
  return map;
}

async function volumeSize(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.blocks * fs.bsize;
}

async function prepareResumeWithProgress(
  progress: ProgressTracker,
  input: Parameters<typeof prepareResume>[0],
): Promise<Resumed> {
  progress.phase('preparing', `Checking the interrupted backup ${input.destination}.incomplete`);
  const resumed = await prepareResume(input);
  progress.warn(
    `Resuming after ${resumed.firstFrame} frames (${formatBytes(resumed.bytes)}) already in the image. ` +
      'Sectors that could not be read before the interruption are zeros but not listed.',
  );
  return resumed;
}

/** Reads that survive bad sectors, and end the job when the drive stops answering. */
function carefulReaderFor(
  source: Extract<BackupSource, { type: 'positioned' }>,
  options: BackupOptions,
  progress: ProgressTracker,
): CarefulReader {
  let warned = 0;
  return new CarefulReader({
    read: (target, position) => source.read(target, position),
    path: source.info.path,
    policy: options.onReadError ?? 'skip',
    answers: (knownGood) =>
      deviceAnswers({
        path: source.info.path,
        devnum: source.info.kind === 'device' ? source.devnum : null,
        knownGood,
      }),
    direct: (offset, length) =>
      directRead(source.info.path, offset, length, source.info.logicalSectorSize),
    sectorSize: source.info.logicalSectorSize,
    onBadRange: ([start, end]) => {
      // The first ones one by one; the summary at the end counts them all.
      if (++warned <= 20) {
        progress.warn(
          `${formatBytes(end - start)} unreadable at byte ${start} of ${source.info.path}; stored as zeros`,
        );
      }
    },
  });
}

/** The workers' recent utilization, from the pool's busy meter, for the level controller. */
class CodecUtilization {
  private lastT = performance.now();
  private lastBusy = 0;
  private value: number | null = null;

  constructor(private readonly busy: BusyMeter) {}

  sample(t: number): number | null {
    if (t - this.lastT >= 250) {
      const busy = this.busy.total();
      this.value = (busy - this.lastBusy) / (t - this.lastT);
      this.lastT = t;
      this.lastBusy = busy;
    }
    return this.value;
  }
}

function imageWriter(
  codec: CodecName,
  sink: ImageSink,
  /** The image's path, or null when it is not a file here (stdout, another machine). */
  destination: string | null,
  /** What an interrupted backup left (zstd only). */
  resumed: Pick<Resumed, 'entries' | 'stored'> | null,
): ImageWriter {
  return CODEC_INFO[codec].index === 'in-file'
    ? new SeekableImageWriter(sink, resumed?.entries, resumed?.stored)
    : new SidecarImageWriter(sink, destination);
}

function buildManifest(input: {
  codec: CodecName;
  source: BackupSource;
  map: BlockMap;
  size: number;
  startLevel: number;
  adapt: AdaptiveRange | undefined;
  levels: LevelRuns;
  frameSize: number;
  digests: StreamDigests;
  startedAt: Date;
  badRanges: ByteRange[];
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
    codec: {
      name: input.codec,
      level: input.startLevel,
      ...(input.adapt ? { adaptive: input.adapt } : {}),
      levels:
        input.levels.runs.length > 0 ? input.levels.runs : [{ from: 0, level: input.startLevel }],
    },
    frameSize: input.frameSize,
    frameCount: frameCount(input.size, input.frameSize),
    size: input.size,
    streamSha256: input.digests.streamSha256,
    framesDigest: input.digests.framesDigest,
    dontCare: input.map.dontCare,
    badRanges: input.badRanges,
  };
}
