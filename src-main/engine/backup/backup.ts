// The backup pipeline:
//
//   block map ─► reader ─► spill buffer ─► codec pool ─► ordered writer ─► sink
//
// The reader and the compress/write loop run concurrently and meet at the spill buffer
// (pipeline.ts); every link is bounded, so memory does not grow with the drive. When the
// destination (or compressors that leave a core idle) are slower than the drive, the
// difference spills to disk and the drive is released as soon as it has been read.
//
// This file is the order of things; each step lives beside it: the options (options.ts),
// where the image goes (destination.ts, endpoints/open-sink.ts), what is read (reading.ts),
// continuing an interrupted backup (resume.ts), the destination's free space
// (destination-space.ts), the header and manifest (manifest.ts).

import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import type { BackupResult, BaseUse } from '../../../src-shared/protocol/events.js';
import { rawBlockMap, type BlockMap } from '../blockmap/block-map.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { FrameHashList } from '../digest/frame-hash.js';
import { StreamDigestThread } from '../digest/stream-digest-thread.js';
import type { ImageSink } from '../endpoints/image-sink.js';
import { openSink } from '../endpoints/open-sink.js';
import { AGE_EXTENSION } from '../endpoints/age/age-keys.js';
import type { SealedStart } from '../endpoints/age/age-header.js';
import { newAgeHeader } from '../endpoints/age/age-header-on-demand.js';
import { encryptingSink } from '../endpoints/age/sink.js';
import { SpillwayError } from '../errors.js';
import type { ImageWriter } from '../format/image-writer.js';
import { SeekableImageWriter } from '../format/seekable/writer.js';
import { SidecarImageWriter } from '../format/sidecar/writer.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { CodecPool } from '../pool/codec-pool.js';
import { SlotArena } from '../pool/slot-arena.js';
import { BusyMeter } from '../progress/busy-meter.js';
import { BottleneckWatch } from '../progress/bottleneck.js';
import { stageTotals, type ProgressTracker } from '../progress/progress-tracker.js';
import { totalLength } from '../ranges.js';
import { openBackupSource, type BackupSource } from '../source/backup-source.js';
import { openSpill, type OpenedSpill } from '../spill/open-spill.js';
import { disksUnderPath } from '../device/mounts.js';
import { frameCount } from '../frames/frame.js';
import { openBase, type BaseImage, type BaseWanted } from './base-image.js';
import { maxFramesInFlight } from './compress-stage.js';
import { resolveDestination, type Destination } from './destination.js';
import { destinationFull, isDiskFull, watchFreeSpace } from './destination-space.js';
import { CodecUtilization, LevelController } from './level-controller.js';
import { LevelRuns } from './level-runs.js';
import { buildManifest, imageHeader } from './manifest.js';
import { checkBackupOptions, type BackupOptions, type BackupSettings } from './options.js';
import { runPipeline, type PipelineInput } from './pipeline.js';
import { blockMapFor, carefulReaderFor, warnBadRanges } from './reading.js';
import { checkResumable, resumeBackup, type Resumed } from './resume.js';

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
  const settings = checkBackupOptions(options);
  if (options.resume) checkResumable({ ...options, codec: settings.codec });
  // The key first: a wrong public key is refused before the drive is touched. A passphrase's
  // scrypt (seconds) runs on meanwhile; the header waits for it, the first frames for that.
  const sealing = options.encrypt ? await newAgeHeader(options.encrypt) : null;
  progress.phase('preparing', `Opening ${options.source}`);
  const source = await openBackupSource(options.source, options.stdin);
  const closers: Array<() => Promise<void>> = [() => source.close()];
  let output: ImageOutput | null = null;
  try {
    const destination = await resolveDestination(options.destination, source, {
      force: options.force ?? false,
      extension: CODEC_INFO[settings.codec].extension + (sealing ? AGE_EXTENSION : ''),
      resume: options.resume ?? false,
      split: options.split,
      warn: (message, remedy) => progress.warn(message, remedy),
    });
    const drive = source.type === 'positioned' ? source : null;
    const map = drive ? await blockMapFor(drive, options.mode ?? 'used', progress) : null;
    const careful = drive ? carefulReaderFor(drive, options.onReadError ?? 'skip', progress) : null;
    const readRange = careful ? careful.readRange.bind(careful) : undefined;
    const stages = await openStages(settings, source, options, context, progress, closers);
    const resumed = options.resume
      ? await resumeBackup(
          { ...stages, destination: destination.name, source, map, readRange, ...settings },
          progress,
        )
      : null;
    output = await openOutput(destination, settings, resumed, options, progress, {
      sealing,
      pool: stages.pool,
    });
    const { sink, writer } = output;
    await spillSparesWriterDisk(stages, destination, options);
    // Stops the job before the destination is full.
    const full = new AbortController();
    const freeSpace = await watchFreeSpace(
      sink,
      destination.path,
      progress.counters,
      full,
      (error) => context.log?.warn('could not read the free space of the destination', error),
    );
    closers.push(async () => freeSpace.stop());
    const started = await startImage(writer, resumed, { ...settings, source, map });
    const base = options.base
      ? await baseFor(
          options.base,
          { ...settings, adaptive: !!options.adapt, source, map },
          {
            stages,
            options,
            progress,
            closers,
          },
        )
      : null;
    const level = settings.startLevel;
    const hashes =
      resumed?.hashes ?? new FrameHashList(map ? frameCount(map.size, settings.frameSize) : 0);
    const hooks = showProgress(progress, {
      stages,
      sink,
      source,
      map,
      resumed,
      level,
      hashes,
      base,
      ...started,
    });
    progress.phase('reading', `Reading ${source.info.path}`);
    progress.start();

    const size = await runPipeline({
      ...stages,
      ...hooks,
      source,
      map,
      frameSize: settings.frameSize,
      readAhead: READ_AHEAD,
      ...(readRange ? { readRange } : {}),
      firstFrame: resumed?.firstFrame ?? 0,
      queue: stages.spill.buffer,
      codec: settings.codec,
      levelFor: levelChooser(options, settings, stages),
      writer,
      progress: progress.counters,
      signal: AbortSignal.any([context.signal, full.signal]),
      ...(base?.image ? { base: base.image } : {}),
    });

    const badRanges = careful?.badRanges() ?? [];
    warnBadRanges(badRanges, source.info.path, progress);
    progress.phase('finishing', 'Writing the index and manifest');
    const manifest = buildManifest({
      ...settings,
      ...started,
      source,
      map: map ?? rawBlockMap(size),
      size,
      adapt: options.adapt,
      digests: await stages.digest.result(),
      hashes,
      badRanges,
    });
    await writer.finish(manifest);
    await sink.commit();
    await writer.commit();
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
      ...(destination.partSize !== null
        ? { parts: Math.max(1, Math.ceil(sink.bytesWritten / destination.partSize)) }
        : {}),
      ...(base ? { base: base.use(options.base!) } : {}),
    };
  } catch (error) {
    throw await failed(error, output, options, progress);
  } finally {
    progress.stop();
    for (const close of closers.reverse()) await close();
  }
}

/** The stages between the reader and the writer: codec pool, stream digest, spill buffer. */
interface Stages {
  pool: CodecPool;
  digest: StreamDigestThread;
  /** Slots for frames as read, and for frames as compressed. */
  arena: SlotArena;
  outputs: SlotArena;
  spill: OpenedSpill;
  meters: { read: BusyMeter; codec: BusyMeter; write: BusyMeter };
  /** The slowest stage, from the meters and what each stage moved. */
  bottleneck: BottleneckWatch;
  signal: AbortSignal;
}

async function openStages(
  settings: BackupSettings,
  source: BackupSource,
  options: BackupOptions,
  context: JobContext,
  progress: ProgressTracker,
  closers: Array<() => Promise<void>>,
): Promise<Stages> {
  const pool = new CodecPool(settings.threads);
  closers.push(() => pool.close());
  const digest = new StreamDigestThread();
  closers.push(() => digest.close());
  // Slots for every frame that can be in flight: being read, queued, at the codec stage.
  const atCodec = maxFramesInFlight(pool);
  const arena = new SlotArena(settings.frameSize, READ_AHEAD + MEMORY_FRAMES + atCodec + 1);
  const outputs = new SlotArena(CODEC_INFO[settings.codec].bound(settings.frameSize), atCodec + 1);
  const spill = await openSpill({
    settings: options.spill ?? {},
    sourceDevnum:
      source.type === 'positioned' && source.info.kind === 'device' ? source.devnum : null,
    arena,
    memoryFrames: MEMORY_FRAMES,
    frameSize: settings.frameSize,
    signal: context.signal,
    warn: (message, remedy) => progress.warn(message, remedy),
  });
  closers.push(() => spill.dispose());
  const meters = { read: new BusyMeter(), codec: pool.busy, write: new BusyMeter() };
  const bottleneck = new BottleneckWatch(meters, () => stageTotals(progress.counters));
  // Compressors on every core are the bottleneck: spilling would only slow them down.
  const everyCore = settings.threads >= availableParallelism();
  spill.buffer.codecBound = () => everyCore && bottleneck.current() === 'codec';
  return { pool, digest, arena, outputs, spill, meters, bottleneck, signal: context.signal };
}

/**
 * Tells the spill buffer when the writer it would spill for writes to the spill folder's own
 * disk (see SpillState.writerOnSpillDisk). Not for a write-rate cap: that writer waits for the
 * cap, not for its disk.
 */
async function spillSparesWriterDisk(
  stages: Stages,
  destination: { path: string | null },
  options: BackupOptions,
): Promise<void> {
  const spillDir = stages.spill.dir;
  if (!spillDir || !destination.path || options.maxWriteRate) return;
  const writerDisks = await disksUnderPath(dirname(destination.path));
  const spillDisks = await disksUnderPath(spillDir);
  if (![...spillDisks].some((disk) => writerDisks.has(disk))) return;
  stages.spill.buffer.writerOnSpillDisk = () => stages.bottleneck.current() === 'write';
}

interface ImageOutput {
  sink: ImageSink;
  writer: ImageWriter;
  /** The image's path on this machine (null: a stream). */
  path: string | null;
}

/** The sink the image's bytes go to, and the writer that lays frames out in its format. */
async function openOutput(
  destination: Destination,
  settings: BackupSettings,
  resumed: Resumed | null,
  options: BackupOptions,
  progress: ProgressTracker,
  /** An encrypted image's start, and the job's codec pool that seals its chunks too. */
  encryption: { sealing: SealedStart | null; pool: CodecPool },
): Promise<ImageOutput> {
  const { sealing, pool } = encryption;
  const plainSink = await openSink(destination.name, {
    force: options.force ?? false,
    partSize: destination.partSize,
    ...(resumed ? { resumeAt: resumed.resumeAt } : {}),
    ...(options.ssh ? { ssh: options.ssh } : {}),
    ...(options.stdout ? { stdout: options.stdout } : {}),
    ...(options.maxWriteRate ? { maxWriteRate: options.maxWriteRate } : {}),
  });
  const sink = sealing ? encryptingSink(plainSink, sealing, pool) : plainSink;
  const { codec } = settings;
  if (CODEC_INFO[codec].index === 'in-file') {
    return {
      sink,
      writer: new SeekableImageWriter(sink, resumed?.entries, resumed?.stored),
      path: destination.path,
    };
  }
  if (destination.path === null) {
    progress.warn(
      `A ${codec} image written to a stream has no index beside it: it restores, but in ` +
        'one pass and without per-frame checks. Write it to a file for both.',
    );
  }
  return { sink, writer: new SidecarImageWriter(sink, destination.path), path: destination.path };
}

/**
 * Writes the image's header, or takes up where an interrupted backup stopped: its creation
 * time, and the levels of the frames it holds (compressed at the level it started with).
 */
async function startImage(
  writer: ImageWriter,
  resumed: Resumed | null,
  header: Omit<Parameters<typeof imageHeader>[0], 'level' | 'startedAt'> & { startLevel: number },
): Promise<{ startedAt: Date; levels: LevelRuns }> {
  const levels = new LevelRuns();
  if (resumed) {
    levels.addFrames(resumed.firstFrame, resumed.header.level ?? header.startLevel);
    return { startedAt: new Date(resumed.header.createdAt), levels };
  }
  const startedAt = new Date();
  await writer.start(imageHeader({ ...header, level: header.startLevel, startedAt }));
  return { startedAt, levels };
}

/**
 * What the progress events show, from the figures the stages keep; returns the pipeline's
 * hooks that keep them (and record each frame's level).
 */
function showProgress(
  progress: ProgressTracker,
  run: {
    stages: Stages;
    sink: ImageSink;
    source: BackupSource;
    map: BlockMap | null;
    resumed: Resumed | null;
    /** The level frames start at. */
    level: number;
    levels: LevelRuns;
    /** Each frame's strong hash, for the manifest. */
    hashes: FrameHashList;
    base: BaseInUse | null;
  },
): Pick<PipelineInput, 'onReadDone' | 'onCompressed' | 'onWritten'> {
  const { stages, sink, map, resumed, levels, hashes, base } = run;
  const counters = progress.counters;
  counters.level = run.level;
  counters.streamTotal = map?.size ?? null;
  counters.bytesToRead = map ? totalLength(map.read) : null;
  if (resumed) {
    counters.streamDone = counters.codecBytes = resumed.bytes;
    counters.bytesWritten = resumed.resumeAt;
    counters.ratioUncompressed = resumed.bytes;
    counters.ratioCompressed = resumed.resumeAt;
  }
  progress.watchStages(stages.bottleneck);
  progress.addSampler(() => (counters.spill = stages.spill.buffer.figures()));
  return {
    onReadDone: () =>
      progress.phase(
        'draining',
        `All of ${run.source.info.path} has been read; writing what is still waiting`,
      ),
    onCompressed: (bytes) => (counters.codecBytes += bytes),
    onWritten: ({ frameBytes: bytes, level, hash, base: fromBase }) => {
      hashes.add(hash);
      base?.count(fromBase);
      levels.add(level);
      counters.level = level;
      counters.streamDone += bytes;
      counters.bytesWritten = sink.bytesWritten;
      counters.ratioUncompressed = counters.streamDone;
      counters.ratioCompressed = sink.bytesWritten;
    },
  };
}

/** The earlier image of a backup with --base, and what the backup took from it. */
interface BaseInUse {
  /** null: it cannot serve (the result says why). */
  image: BaseImage | null;
  count(outcome: 'reused' | 'damaged' | 'changed' | undefined): void;
  use(path: string): BaseUse;
}

/**
 * Opens the base a backup was given and says, when it cannot serve, why; the backup then
 * compresses every frame as without one.
 */
async function baseFor(
  path: string,
  wanted: BaseWanted,
  run: {
    stages: Stages;
    options: BackupOptions;
    progress: ProgressTracker;
    closers: Array<() => Promise<void>>;
  },
): Promise<BaseInUse> {
  run.progress.phase('preparing', `Opening the earlier image ${path}`);
  const verdict = await openBase(
    path,
    wanted,
    maxFramesInFlight(run.stages.pool) + 1,
    run.options.ssh ? { ssh: run.options.ssh } : {},
  );
  let reused = 0;
  let damaged = 0;
  if (!verdict.usable) {
    run.progress.warn(
      `The earlier image ${path} is not used: ${verdict.reason}. Every frame is compressed.`,
    );
  } else {
    const base = verdict.base;
    run.closers.push(async () => {
      run.stages.pool.forget(base.arena);
      await base.close();
    });
  }
  const image = verdict.usable ? verdict.base : null;
  return {
    image,
    count(outcome) {
      if (outcome === 'reused') reused++;
      else if (outcome === 'damaged') damaged++;
    },
    use(image_) {
      if (!verdict.usable) {
        return { image: image_, refused: verdict.refusal, framesReused: 0, framesDamaged: 0 };
      }
      const lost = damaged + verdict.base.unreadable;
      if (lost > 0) {
        run.progress.warn(
          `${lost} frame${lost === 1 ? '' : 's'} of the earlier image ${path} ` +
            `${lost === 1 ? 'is' : 'are'} damaged or unreadable; ` +
            `${lost === 1 ? 'it was' : 'they were'} compressed anew.`,
        );
      }
      return { image: image_, framesReused: reused, framesDamaged: lost };
    },
  };
}

/** Each frame's level: the one asked for, or (--adapt) one that follows the backlog. */
function levelChooser(options: BackupOptions, settings: BackupSettings, stages: Stages) {
  if (!options.adapt) return () => settings.startLevel;
  const controller = new LevelController(options.adapt, settings.startLevel, settings.threads * 2);
  const codecUse = new CodecUtilization(stages.pool.busy);
  return () => {
    const t = performance.now();
    return controller.next({
      t,
      backlog: stages.spill.buffer.backlog,
      codecUtilization: codecUse.sample(t),
    });
  };
}

/**
 * What a failed backup leaves and says: the part written is removed, or kept under its
 * "incomplete" name when asked (--keep-partial); a full destination is named with about how
 * much more the image needed.
 */
async function failed(
  error: unknown,
  output: ImageOutput | null,
  options: BackupOptions,
  progress: ProgressTracker,
): Promise<unknown> {
  const kept = options.keepPartial ? ((await output?.sink.keepPartial()) ?? null) : null;
  if (!kept) await output?.sink.abort();
  await output?.writer.abort();
  if (isDiskFull(error) && output?.path) {
    return destinationFull(output.path, progress.counters, kept);
  }
  if (kept && error instanceof SpillwayError) {
    return new SpillwayError(error.code, `${error.message} The part written is kept as ${kept}.`, {
      facts: { ...error.facts, kept },
      remedy: 'resume',
      cause: error,
    });
  }
  return error;
}
