// Job events: what a running backup, restore or verify reports. The engine emits them; the CLI
// prints them (--json: one per line), the helper forwards them, the UI draws them. Schemas
// validate them wherever they arrive from another process.

import { z } from 'zod';
import { ErrorInfoSchema, RemedySchema } from '../errors.js';
import { ByteRangeSchema } from '../manifest.js';

export const JOB_KINDS = [
  'backup',
  'restore',
  'verify',
  'pipe',
  'recompress',
  'extract',
  'clone',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * preparing: opening, planning, safety checks.  reading: a backup reads the drive.
 * draining: the drive is fully read (it may be unplugged); the backlog is being compressed
 * and written.  checking: a restore checks the image before writing anything.
 * writing: a restore writes.  verifying: verify, or a restore's read-back.
 * finishing: index, manifest, rename, sync.
 */
export const PHASES = [
  'preparing',
  'reading',
  'draining',
  'checking',
  'writing',
  'verifying',
  'finishing',
] as const;
export type Phase = (typeof PHASES)[number];

/** The pipeline's stages, as named in "bottleneck: compression". */
export const STAGES = ['read', 'codec', 'write'] as const;
export type Stage = (typeof STAGES)[number];

const bytes = z.number().min(0);
const rate = z.number().min(0).nullable();
/** Milliseconds since the epoch, taken when the event was made. */
const time = z.number();

export const SpillFiguresSchema = z.object({
  /** Bytes on disk in the spill directory now, its peak, its cap. */
  bytes,
  peak: bytes,
  cap: bytes,
  /** Free bytes on the spill directory's volume. */
  free: bytes.nullable(),
  /** Frames waiting in memory and on disk together. */
  frames: z.number().int().min(0),
});
export type SpillFigures = z.infer<typeof SpillFiguresSchema>;

export const ProgressEventSchema = z.object({
  type: z.literal('progress'),
  t: time,
  job: z.enum(JOB_KINDS),
  phase: z.enum(PHASES),
  /** Seconds since the job started. */
  elapsed: z.number().min(0),
  /** Uncompressed bytes of the stream the job goes through, and how far it is. */
  streamTotal: bytes.nullable(),
  streamDone: bytes,
  /** Bytes read from the source (the drive for backup, the image for restore and verify). */
  bytesRead: bytes,
  /** Bytes the source still has to give, when known. */
  bytesToRead: bytes.nullable(),
  /** Bytes written to the destination (the image for backup, the drive for restore). */
  bytesWritten: bytes,
  /** Recent rates of each stage, bytes per second (read and write in their own bytes, codec in
   *  uncompressed bytes). null until measured. */
  readRate: rate,
  codecRate: rate,
  writeRate: rate,
  /** Uncompressed over compressed, so far. */
  ratio: z.number().min(0).nullable(),
  /** Seconds left, from what still has to go through the slowest stage; null when unknown. */
  eta: z.number().min(0).nullable(),
  /** The slowest stage right now, when one clearly is. */
  bottleneck: z.enum(STAGES).nullable(),
  /** Compression level used for the latest frame (backup). */
  level: z.number().int().nullable(),
  /** The spill buffer, when the job has one. */
  spill: SpillFiguresSchema.nullable(),
  /** Free bytes on the destination's volume, when it is a file. */
  destinationFree: bytes.nullable(),
});
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

export const PhaseEventSchema = z.object({
  type: z.literal('phase'),
  t: time,
  job: z.enum(JOB_KINDS),
  phase: z.enum(PHASES),
  /** What is happening, in words: "Checking the image before writing anything". */
  message: z.string().max(4096),
});
export type PhaseEvent = z.infer<typeof PhaseEventSchema>;

export const WarningEventSchema = z.object({
  type: z.literal('warning'),
  t: time,
  job: z.enum(JOB_KINDS),
  /** What happened, naming no front end's controls. */
  message: z.string().max(4096),
  /** What the user can do about it next time, when there is something; each front end words it. */
  remedy: RemedySchema.optional(),
});
export type WarningEvent = z.infer<typeof WarningEventSchema>;

/**
 * Why an earlier image named as a backup's base (--base) was not used: it could not be
 * opened; is not a Spillway image; records no frame hashes (made before they existed); is of
 * another drive; or was made with another codec, frame size or level.
 */
export const BASE_REFUSALS = [
  'unreadable',
  'not-spillway',
  'no-frame-hashes',
  'other-drive',
  'other-codec',
  'other-frame-size',
  'other-level',
] as const;
export type BaseRefusal = (typeof BASE_REFUSALS)[number];

/** What a backup with a base took from it. */
export const BaseUseSchema = z.object({
  /** The earlier image, as named. */
  image: z.string(),
  /** Why it was not used at all; absent when it was. */
  refused: z.enum(BASE_REFUSALS).optional(),
  /** Frames copied from it instead of compressed, of `frames` in the new image. */
  framesReused: z.number().int().min(0),
  /** Its frames that held the same hash but did not decode to the same bytes (or could not
   *  be read): damaged, so compressed anew. */
  framesDamaged: z.number().int().min(0),
});
export type BaseUse = z.infer<typeof BaseUseSchema>;

export const BackupResultSchema = z.object({
  kind: z.literal('backup'),
  image: z.string(),
  /** Uncompressed bytes (the drive) and bytes of the image file. */
  size: bytes,
  imageBytes: bytes,
  ratio: z.number().nullable(),
  streamSha256: z.string(),
  frames: z.number().int(),
  seconds: z.number(),
  badRanges: z.array(ByteRangeSchema),
  /** How many files the image was split into (NAME.000, …), when it was. */
  parts: z.number().int().min(1).optional(),
  /** The earlier image it was based on (backup --base), and what it took from it. */
  base: BaseUseSchema.optional(),
  /** A planned backup (the app's "Back up now"): the new image's verify, and the drive's
   *  older images deleted after it (the plan's "keep the last N"). */
  planned: z
    .object({
      verified: z.boolean(),
      deleted: z.array(z.string()),
      freed: bytes,
      /** Why nothing was deleted, when that was a rule and not a lack of old images. */
      held: z.enum(['new-image-not-verified', 'keep-all']).optional(),
    })
    .optional(),
});
export type BackupResult = z.infer<typeof BackupResultSchema>;

/**
 * How a restore checked its image:
 * - stored-frames: before writing, every frame's bytes are the ones the backup wrote
 *   (storedFramesDigest);
 * - frames: before writing, the frames to write were decoded and are the ones the backup read
 *   (framesDigest);
 * - stream-hash: before writing, the whole stream was decoded and its SHA-256 is the recorded
 *   one (older Spillway images);
 * - codec-checksums: before writing, only the codec's own checksums (images made by other
 *   tools, when asked to check first);
 * - codec-checksums-while-writing: the codec's own checksums, checked as each byte was
 *   written (images made by other tools, in one pass: the default);
 * - none: not checked (--no-check, or a plain .img).
 */
export const RESTORE_CHECKS = [
  'stored-frames',
  'frames',
  'stream-hash',
  'codec-checksums',
  'codec-checksums-while-writing',
  'none',
] as const;
export type RestoreCheck = (typeof RESTORE_CHECKS)[number];

/** What happened to the partition a restore or clone onto a larger drive grew. */
export const GrowthSchema = z.object({
  partition: z.number().int().min(1),
  filesystem: z.string().nullable(),
  /** The partition's bytes before and after. */
  from: bytes,
  to: bytes,
  /** The tool that grew the filesystem to fill it; null when it was not grown (`why`). */
  tool: z.enum(['resize2fs', 'ntfsresize', 'fatresize']).nullable(),
  why: z.enum(['exfat', 'tool-missing', 'tool-failed']).optional(),
  /** What the tool said, when it failed. */
  detail: z.string().optional(),
});
export type Growth = z.infer<typeof GrowthSchema>;

/** Where the partitions went on the target, when it is not the image's own layout. */
export const LayoutResultSchema = z.object({
  grown: GrowthSchema.nullable(),
  /** Partitions moved towards the end of the drive, by number. */
  moved: z.array(z.number().int().min(1)),
  /** Their FAT/NTFS boot sectors were updated to name their new starts. */
  bootSectorsUpdated: z.array(z.number().int().min(1)),
  /** New disk and partition identifiers were given. */
  newIds: z.boolean(),
});
export type LayoutResult = z.infer<typeof LayoutResultSchema>;
/**
 * What a restore did with one range of unused space:
 * - kept: left as it was (the target's old bytes);
 * - discarded: discarded (TRIM), and a sample read back as zeros;
 * - zeroed: zeros written (by choice, where discard is not supported, or after a discard
 *   whose sample did not read back as zeros);
 * - hole: a file this restore created, never written there: it reads as zeros.
 */
export const UNUSED_OUTCOMES = ['kept', 'discarded', 'zeroed', 'hole'] as const;
export type UnusedOutcome = (typeof UNUSED_OUTCOMES)[number];

export const UnusedRangeOutcomeSchema = z.object({
  range: ByteRangeSchema,
  done: z.enum(UNUSED_OUTCOMES),
});
export type UnusedRangeOutcome = z.infer<typeof UnusedRangeOutcomeSchema>;

export const RestoreResultSchema = z.object({
  kind: z.literal('restore'),
  target: z.string(),
  bytesWritten: bytes,
  checked: z.enum(RESTORE_CHECKS),
  /** true: every written byte read back equal; null: read-back skipped. */
  readBack: z.boolean().nullable(),
  seconds: z.number(),
  /** Set when the partitions were laid out anew on a larger drive. */
  layout: LayoutResultSchema.optional(),
  /** What was done with each range of the target no filesystem of the image uses, in order
   *  (adjacent ranges with the same outcome merged); empty when the image has none. */
  unused: z.array(UnusedRangeOutcomeSchema).max(2 ** 24),
});
export type RestoreResult = z.infer<typeof RestoreResultSchema>;

export const CloneResultSchema = z.object({
  kind: z.literal('clone'),
  source: z.string(),
  target: z.string(),
  /** Bytes read from the source (what its filesystems use) and written to the target. */
  bytesWritten: bytes,
  /** true: every written byte read back equal; null: read-back skipped. */
  readBack: z.boolean().nullable(),
  seconds: z.number(),
  layout: LayoutResultSchema.optional(),
});
export type CloneResult = z.infer<typeof CloneResultSchema>;

export const DamageSchema = z.object({
  frame: z.number().int().nullable(),
  /** Where in the drive (uncompressed) and in the image file (compressed) the damage is. */
  drive: ByteRangeSchema.nullable(),
  file: ByteRangeSchema.nullable(),
  reason: z.string(),
});
export type Damage = z.infer<typeof DamageSchema>;

export const CHECK_LEVELS = ['frames-and-stream-hash', 'codec-checksums', 'none'] as const;
export type CheckLevel = (typeof CHECK_LEVELS)[number];

export const VerifyResultSchema = z.object({
  kind: z.literal('verify'),
  image: z.string(),
  ok: z.boolean(),
  /** How much could be checked: per-frame checksums and the stream hash (Spillway images),
   *  only what the codec itself carries (images made by other tools), or nothing (.img). */
  checked: z.enum(CHECK_LEVELS),
  size: bytes,
  streamSha256: z.string().nullable(),
  damage: z.array(DamageSchema),
  seconds: z.number(),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;

export const PipeResultSchema = z.object({
  kind: z.literal('pipe'),
  /** Bytes passed from stdin to stdout. */
  bytes: bytes,
  /** Most bytes the spill held on disk at once. */
  spillPeak: bytes,
  seconds: z.number(),
});
export type PipeResult = z.infer<typeof PipeResultSchema>;

export const RecompressResultSchema = z.object({
  kind: z.literal('recompress'),
  image: z.string(),
  /** Bytes of the drive, and of the new image file. */
  size: bytes,
  imageBytes: bytes,
  ratio: z.number().nullable(),
  /** The drive's SHA-256: the old image's, checked again while recompressing. */
  streamSha256: z.string(),
  seconds: z.number(),
});
export type RecompressResult = z.infer<typeof RecompressResultSchema>;

/** An entry that could not be extracted (a damaged folder or file), and why. */
export const ExtractFailureSchema = z.object({
  /** "2:/docs/letter.odt" */
  path: z.string().max(8192),
  reason: z.string().max(4096),
});
export type ExtractFailure = z.infer<typeof ExtractFailureSchema>;

/** Most failures a result lists; `failedCount` has them all. */
export const MAX_LISTED_FAILURES = 1000;

export const ExtractResultSchema = z.object({
  kind: z.literal('extract'),
  image: z.string(),
  /** The folder the files were copied into. */
  destination: z.string(),
  /** Entries made: files (hard links included), folders, symlinks; bytes of the files. */
  files: z.number().int().min(0),
  folders: z.number().int().min(0),
  symlinks: z.number().int().min(0),
  /** Devices, pipes and sockets, which are not copied. */
  skipped: z.number().int().min(0),
  bytes,
  /** Entries that could not be read from the image; the rest was extracted. */
  failed: z.array(ExtractFailureSchema).max(MAX_LISTED_FAILURES),
  failedCount: z.number().int().min(0),
  /** Frames of the image decoded to read them. */
  framesDecoded: z.number().int().min(0),
  seconds: z.number(),
});
export type ExtractResult = z.infer<typeof ExtractResultSchema>;

export const JobResultSchema = z.discriminatedUnion('kind', [
  BackupResultSchema,
  RestoreResultSchema,
  CloneResultSchema,
  VerifyResultSchema,
  PipeResultSchema,
  RecompressResultSchema,
  ExtractResultSchema,
]);
export type JobResult = z.infer<typeof JobResultSchema>;

export const DoneEventSchema = z.object({
  type: z.literal('done'),
  t: time,
  job: z.enum(JOB_KINDS),
  result: JobResultSchema,
});
export type DoneEvent = z.infer<typeof DoneEventSchema>;

export const ErrorEventSchema = z.object({
  type: z.literal('error'),
  t: time,
  job: z.enum(JOB_KINDS),
  error: ErrorInfoSchema,
});
export type ErrorEvent = z.infer<typeof ErrorEventSchema>;

export const JobEventSchema = z.discriminatedUnion('type', [
  ProgressEventSchema,
  PhaseEventSchema,
  WarningEventSchema,
  DoneEventSchema,
  ErrorEventSchema,
]);
export type JobEvent = z.infer<typeof JobEventSchema>;
