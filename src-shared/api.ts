// The one API between a UI and the engine. The Electron preload bridge and the browser's
// WebSocket carry the same messages; whoever receives one validates it with these schemas
// first (a message crossing a process boundary is untrusted): the server its requests, the
// client every result against its method's result schema and every job event.
//
//   client → server   { id, call: { method, params } }
//   server → client   { id, ok: true, result } | { id, ok: false, error }
//   server → client   { jobId, event }           (job events, as the CLI's --json prints them)

import { z } from 'zod';
import { ALL_LEVELS } from './codec-facts.js';
import { DriveIdentitySchema, DrivePlanSchema } from './drive-plan.js';
import { ErrorInfoSchema } from './errors.js';
import { CODEC_NAMES } from './manifest.js';
import { SharedWithPreviousSchema } from './shared-frames.js';
import { JOB_KINDS, JobEventSchema, type JobEvent } from './protocol/events.js';
import {
  BackupPlanSchema,
  ClonePlanSchema,
  GrowChoiceSchema,
  ImageInfoSchema,
  MountedPartSchema,
  RestorePlanSchema,
  UNUSED_CHOICES,
} from './protocol/plans.js';

const path = z.string().min(1).max(4096);
const text = z.string().max(4096);
const bytes = z.number().min(0);
const level = z.number().int().min(ALL_LEVELS.min).max(ALL_LEVELS.max);

/** A passphrase as the user typed it. It travels in memory only: the handler and the helper
 *  pass it to the engine and nowhere else (no history, plan, log, argv or answer holds it). */
const passphrase = z.string().min(1).max(1024);

/** What opens an encrypted (age) image: its passphrase, or an age identity file (the key it
 *  was encrypted to) on this machine, which the helper reads. Absent for a plain image. */
export const ImageKeySchema = z.object({
  passphrase: passphrase.optional(),
  identityFile: path.optional(),
});
export type ImageKey = z.infer<typeof ImageKeySchema>;
const key = ImageKeySchema.optional();

export const BackupParamsSchema = z.object({
  source: path,
  destination: path,
  codec: z.enum(CODEC_NAMES).optional(),
  /** Within every codec's range (codec-facts.ts); the engine checks the chosen codec's. */
  level: level.optional(),
  mode: z.enum(['used', 'raw']).optional(),
  force: z.boolean().optional(),
  /** Slows the image's writes (bytes per second): shared disks, and tests of a long job. */
  maxWriteRate: z.number().positive().optional(),
  /** Folder for the spill buffer (default: the setting, else the system temp folder). */
  spillDir: path.optional(),
  /** Most bytes the spill buffer may hold on disk (default: only the free-space floor). */
  spillMax: z.number().int().min(0).optional(),
  /** Store spilled frames compressed: less disk, some CPU. */
  spillCompress: z.boolean().optional(),
  /** Let the level follow the backlog between these levels. */
  adapt: z.object({ min: level, max: level }).optional(),
  threads: z.number().int().min(1).max(256).optional(),
  /** Bytes per frame (default 4 MiB). */
  frameSize: z
    .number()
    .int()
    .min(2 ** 16)
    .max(2 ** 28)
    .optional(),
  /** An earlier image of the same drive: frames found unchanged are copied from it instead
   *  of compressed; the new image does not depend on it. */
  base: path.optional(),
  /** Parts of this many bytes; false never splits (default: split on FAT32 only). */
  split: z
    .union([
      z
        .number()
        .int()
        .min(2 ** 20),
      z.literal(false),
    ])
    .optional(),
  /** Encrypt the image (age) with this passphrase: zstd and lz4 images only, named .age. */
  encrypt: z.object({ passphrase }).optional(),
});
export type BackupParams = z.infer<typeof BackupParamsSchema>;

export const RestoreParamsSchema = z.object({
  image: path,
  target: path,
  /** The target's name as the user typed it: the restore runs only if it matches the plan's. */
  confirmName: z.string().max(4096),
  /** The target as the plan showed it to the user. If the path now leads to another drive
   *  (unplugged, another plugged in under the same name), nothing is written. */
  expect: z.object({ size: bytes.nullable(), model: text.optional() }).optional(),
  readBack: z.boolean().optional(),
  /** What to do with the target's space no filesystem of the image uses (default auto). */
  unused: z.enum(UNUSED_CHOICES).optional(),
  /** Images made by other tools: decode the whole image once before writing anything (a
   *  second decode; default false: one pass, their own checksums checked as they are written). */
  checkForeignFirst: z.boolean().optional(),
  key,
});
export type RestoreParams = z.infer<typeof RestoreParamsSchema>;

export const CloneParamsSchema = z.object({
  /** The drive copied (only read). */
  source: path,
  /** The drive written: everything on it is replaced. */
  target: path,
  /** The target's name as the user typed it: the clone runs only if it matches the plan's. */
  confirmName: z.string().max(4096),
  /** The target as the plan showed it to the user (as for a restore). */
  expect: z.object({ size: bytes.nullable(), model: text.optional() }).optional(),
  /** On a larger drive, the partition that grows (default: the largest data one). */
  grow: GrowChoiceSchema.optional(),
  /** New disk and partition identifiers, so both drives can be attached at once. */
  newIds: z.boolean().optional(),
  readBack: z.boolean().optional(),
});
export type CloneParams = z.infer<typeof CloneParamsSchema>;

export const VerifyParamsSchema = z.object({ image: path, key });
export type VerifyParams = z.infer<typeof VerifyParamsSchema>;

/** A partition of an image, as listPartitions numbers them (null: the one holding files). */
const partitionNumber = z.number().int().min(1).max(4096).nullable();
/** A path inside a partition, '/'-separated from its root. */
const imagePath = z.string().min(1).max(8192);

export const ExtractParamsSchema = z.object({
  image: path,
  /** What to copy: files or folders; '/' copies a whole partition. */
  items: z
    .array(z.object({ partition: partitionNumber, path: imagePath }))
    .min(1)
    .max(10_000),
  /** The folder to copy into (made when missing; its parent must exist). */
  destination: path,
  /** Replace files already there and merge into folders already there. */
  replace: z.boolean().optional(),
  key,
});
export type ExtractParams = z.infer<typeof ExtractParamsSchema>;

// ---- settings ------------------------------------------------------------------------------

export const SettingsSchema = z.object({
  /** drivelist hides loop devices and other virtual disks: this lists them too. */
  showAllDevices: z.boolean(),
  /** Folder for the spill buffer; null: the system temp folder. */
  spillDir: path.nullable(),
});
export type Settings = z.infer<typeof SettingsSchema>;
export const DEFAULT_SETTINGS: Settings = { showAllDevices: false, spillDir: null };

// ---- the calls -----------------------------------------------------------------------------

/** Calls that read drives, images or folders with the rights of the privileged helper: the
 *  handler passes them on to it as they are. */
export const READING_CALLS = [
  z.object({ method: z.literal('planBackup'), params: z.object({ source: path }) }),
  z.object({ method: z.literal('inspectImage'), params: z.object({ image: path, key }) }),
  z.object({
    method: z.literal('planRestore'),
    params: z.object({ image: path, target: path, key }),
  }),
  /** What a clone of one drive onto another would copy, where its partitions would go, and
   *  every reason not to. */
  z.object({
    method: z.literal('planClone'),
    params: z.object({ source: path, target: path, grow: GrowChoiceSchema.optional() }),
  }),
  z.object({
    method: z.literal('sampleCompression'),
    /** `threads`: the compressor threads the backup will use (default: one per core). */
    params: z.object({
      source: path,
      codec: z.enum(CODEC_NAMES),
      level,
      threads: z.number().int().min(1).max(256).optional(),
    }),
  }),
  z.object({ method: z.literal('checkDestination'), params: z.object({ folder: path }) }),
  z.object({ method: z.literal('listFolder'), params: z.object({ path }) }),
  /** The partitions of an image's drive, and which of them hold files that can be read. */
  z.object({ method: z.literal('listPartitions'), params: z.object({ image: path, key }) }),
  /** A folder of a partition inside an image (listFolder lists this machine's folders). */
  z.object({
    method: z.literal('listImageFolder'),
    params: z.object({ image: path, partition: partitionNumber, path: imagePath, key }),
  }),
  /** Names in a partition of an image matching a pattern (*, ?, [a-z]; ** across folders). */
  z.object({
    method: z.literal('findInImage'),
    params: z.object({
      image: path,
      partition: partitionNumber,
      pattern: z.string().min(1).max(1024),
      /** The folder to search under (default: the whole partition). */
      path: imagePath.optional(),
      key,
    }),
  }),
  /** Removes an image the history lists as made here (all its parts and its sidecar). */
  z.object({ method: z.literal('deleteImage'), params: z.object({ image: path }) }),
] as const;

export const CallSchema = z.discriminatedUnion('method', [
  ...READING_CALLS,
  z.object({
    method: z.literal('listDrives'),
    params: z.object({
      /** Add virtual devices (default: the "show all devices" setting). */
      all: z.boolean().optional(),
      /** Paths the user chose (image, destination): drives holding them are flagged. */
      paths: z.array(path).max(16).optional(),
    }),
  }),
  z.object({ method: z.literal('startBackup'), params: BackupParamsSchema }),
  z.object({ method: z.literal('startRestore'), params: RestoreParamsSchema }),
  z.object({ method: z.literal('startClone'), params: CloneParamsSchema }),
  z.object({ method: z.literal('startVerify'), params: VerifyParamsSchema }),
  z.object({ method: z.literal('startExtract'), params: ExtractParamsSchema }),
  z.object({ method: z.literal('cancel'), params: z.object({ jobId: z.string().max(64) }) }),
  /** After a restore: flush and eject a listed drive, so it can be unplugged. */
  z.object({ method: z.literal('ejectDrive'), params: z.object({ path }) }),
  /** Shows a file in the system's file manager (the desktop app only). */
  z.object({ method: z.literal('revealInFolder'), params: z.object({ path }) }),
  /** Mounts an image's partitions read-only (Linux), each in its own folder inside one folder
   *  the app chooses; undone by unmountImage, and when the app or the server stops. */
  z.object({ method: z.literal('mountImage'), params: z.object({ image: path, key }) }),
  z.object({ method: z.literal('unmountImage'), params: z.object({ folder: path }) }),
  /** The images mounted by this app now. */
  z.object({ method: z.literal('listMounts'), params: z.object({}) }),
  /** Opens a folder of a mounted image in the system's file manager (the desktop app only). */
  z.object({ method: z.literal('openMountFolder'), params: z.object({ folder: path }) }),
  z.object({ method: z.literal('listHistory'), params: z.object({}) }),
  /** The images in the history, one entry each, newest first. */
  z.object({ method: z.literal('listImages'), params: z.object({}) }),
  z.object({ method: z.literal('getSettings'), params: z.object({}) }),
  /** Whether reading a drive now would make the system ask for a password (AccessSchema). */
  z.object({ method: z.literal('getAccess'), params: z.object({}) }),
  z.object({ method: z.literal('updateSettings'), params: SettingsSchema.partial() }),
  /** Plans per drive (src-shared/drive-plan.ts): every one, one drive's, save, delete. */
  z.object({ method: z.literal('listPlans'), params: z.object({}) }),
  z.object({ method: z.literal('getPlan'), params: z.object({ drive: DriveIdentitySchema }) }),
  z.object({ method: z.literal('savePlan'), params: DrivePlanSchema }),
  z.object({ method: z.literal('deletePlan'), params: z.object({ drive: DriveIdentitySchema }) }),
  /** Backs up a listed drive (by its path now) with its plan's settings, from its last
   *  verified image when that can serve; then verifies the new image and keeps the last N. */
  z.object({ method: z.literal('backUpNow'), params: z.object({ path }) }),
]);
export type Call = z.infer<typeof CallSchema>;
export type Method = Call['method'];
export type ParamsOf<M extends Method> = Extract<Call, { method: M }>['params'];

export const RequestSchema = z.object({
  id: z.number().int().min(0),
  call: CallSchema,
});
export type Request = z.infer<typeof RequestSchema>;

export const ResponseSchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: ErrorInfoSchema }),
]);
export type Response = z.infer<typeof ResponseSchema>;

export const JobMessageSchema = z.object({
  jobId: z.string().max(64),
  event: JobEventSchema,
});
export type JobMessage = z.infer<typeof JobMessageSchema>;

/** Started jobs answer with their id; their events follow as JobMessages. */
export const StartedJobSchema = z.object({ jobId: z.string().min(1).max(64) });
export type StartedJob = z.infer<typeof StartedJobSchema>;

// ---- results -------------------------------------------------------------------------------

/** An image mounted by the app: the folder holding one folder per partition mounted. */
export const ImageMountSchema = z.object({
  image: path,
  folder: path,
  partitions: z
    .array(z.object({ index: z.number().int().min(1), filesystem: text.nullable(), folder: path }))
    .max(4096),
  /** Partitions not mounted, and why (swap, no driver for its filesystem…). */
  skipped: z
    .array(z.object({ index: z.number().int().min(1), filesystem: text.nullable(), reason: text }))
    .max(4096),
});
export type ImageMount = z.infer<typeof ImageMountSchema>;

/** Every reason a drive should not be a restore target; src-shared/target-rules.ts decides
 *  them and words them, for the list, the API's refusals and the CLI alike. */
export const CAUTION_KINDS = [
  /** The computer runs from it. */
  'system',
  /** It holds a path the user chose (the image being restored, the backup's destination). */
  'holds-path',
  /** Some of its partitions are mounted (or used as swap): in use. */
  'mounted',
  'read-only',
  /** Its size is 0 bytes (an unconfigured zram or loop device): nothing fits on it. */
  'empty',
] as const;
export type CautionKind = (typeof CAUTION_KINDS)[number];

export const CautionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['system', 'read-only', 'empty']) }),
  z.object({
    kind: z.literal('mounted'),
    /** Which of its partitions, and where (when known). */
    mounts: z.array(MountedPartSchema).optional(),
  }),
  z.object({ kind: z.literal('holds-path'), path }),
]);
export type Caution = z.infer<typeof CautionSchema>;

export const DriveSchema = z.object({
  /** "/dev/sdb" */
  path,
  description: text,
  size: bytes,
  busType: text,
  removable: z.boolean(),
  readOnly: z.boolean(),
  system: z.boolean(),
  /** A loop, RAM or other virtual device. */
  virtual: z.boolean(),
  mountpoints: z.array(text),
  /** What it is known by across plug-ins: its plan's key. */
  identity: DriveIdentitySchema,
  cautions: z.array(CautionSchema),
  /** No cautions: it may be offered as a restore target. */
  canRestoreTo: z.boolean(),
});
export type ApiDrive = z.infer<typeof DriveSchema>;

export const HistoryEntrySchema = z.object({
  jobId: z.string().max(64),
  kind: z.enum(JOB_KINDS),
  startedAt: z.number(),
  endedAt: z.number(),
  outcome: z.enum(['done', 'failed', 'cancelled']),
  /** The drive or file read (backup, clone); the image (restore, verify). */
  source: text,
  /** The image made (backup); the drive or file written (restore, clone); null for verify. */
  destination: text.nullable(),
  /** Uncompressed bytes, bytes of the image, and their ratio, when known. */
  size: bytes.nullable(),
  imageBytes: bytes.nullable(),
  ratio: z.number().nullable(),
  /** true: verified or read back intact; false: damage found; null: not checked. */
  verified: z.boolean().nullable(),
  error: ErrorInfoSchema.nullable(),
  /** The drive a backup read, when it was a listed drive: its images are found by this. */
  drive: DriveIdentitySchema.optional(),
  /** Images of the drive a planned backup deleted once its new image verified (keep last N). */
  deleted: z.array(path).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/**
 * One image file the history knows of, however many jobs touched it: one made here (a
 * backup), or one of another tool's that was restored or verified here.
 */
export const ImageRecordSchema = z.object({
  path,
  /** Made by a backup here: it may be deleted from the app. */
  madeHere: z.boolean(),
  /** The drive or file it was made from, when made here. */
  source: text.nullable(),
  /** When the backup that made it ended; null for another tool's image. */
  madeAt: z.number().nullable(),
  /** Bytes of the drive, of the image, and their ratio, when known. */
  size: bytes.nullable(),
  imageBytes: bytes.nullable(),
  ratio: z.number().nullable(),
  /** What its latest verify found: true intact, false damaged, null never verified. */
  verified: z.boolean().nullable(),
  verifiedAt: z.number().nullable(),
  /** The last time a job used it (made, verified or restored from it). */
  lastUsedAt: z.number(),
  /** Whether the file is there now: false when it was deleted or moved; null unknown. */
  exists: z.boolean().nullable(),
  /** The drive it was made from: as the drive list knew it when that was a listed drive
   *  (what its plan is kept by), else as its manifest records it (serial number or model, and
   *  size); absent for a file, or when neither says. */
  drive: DriveIdentitySchema.optional(),
  /** How much it shares with `image`, the image made before it of the same drive (the next
   *  older one that is still there), or why they cannot be compared; null when there is no
   *  such image, or it is not one made here. */
  sharedWithPrevious: SharedWithPreviousSchema.nullable(),
});
export type ImageRecord = z.infer<typeof ImageRecordSchema>;

export const CompressionSampleSchema = z.object({
  codec: z.enum(CODEC_NAMES),
  level: z.number().int(),
  sampled: bytes,
  ratio: z.number().min(0),
  /** Compression rate measured on `threads` threads (the backup's), uncompressed bytes per
   *  second: the median of `runs` timed runs of the sample; `range` is the slowest and the
   *  fastest run (0 runs: nothing could be timed). */
  bytesPerSecond: bytes,
  range: z.tuple([bytes, bytes]),
  runs: z.number().int().min(0),
  threads: z.number().int().min(1),
  bytesToRead: bytes,
  expectedImage: bytes,
});
export type CompressionSample = z.infer<typeof CompressionSampleSchema>;

export const DestinationCheckSchema = z.discriminatedUnion('usable', [
  z.object({
    folder: path,
    usable: z.literal(false),
    problem: z.enum(['missing', 'not-a-folder', 'read-only']),
  }),
  z.object({
    folder: path,
    usable: z.literal(true),
    free: bytes,
    /** Part size images are split into there (FAT32), or null. */
    splitAt: bytes.nullable(),
  }),
]);
export type DestinationCheck = z.infer<typeof DestinationCheckSchema>;

export const FolderListingSchema = z.object({
  path,
  parent: path.nullable(),
  entries: z
    .array(
      z.object({
        name: z.string().min(1).max(4096),
        kind: z.enum(['folder', 'file', 'device', 'other']),
        size: bytes.nullable(),
      }),
    )
    .max(2000),
  truncated: z.boolean(),
});
export type FolderListing = z.infer<typeof FolderListingSchema>;

export const ImagePartitionSchema = z.object({
  index: z.number().int().min(1),
  start: bytes,
  size: bytes,
  type: text,
  typeName: text.nullable(),
  name: text.nullable(),
  /** 'ext4', 'fat32', 'exfat', 'ntfs', 'swap'…; null when none was recognised. */
  filesystem: text.nullable(),
  label: text.nullable(),
  usedBytes: bytes.nullable(),
  /** Its files can be listed and copied out. */
  browsable: z.boolean(),
  /** Why not, when they cannot. */
  problem: text.nullable(),
  /** What browsing does not show on this filesystem, said once. */
  notes: z.array(text).max(64),
});
export type ImagePartition = z.infer<typeof ImagePartitionSchema>;

export const PartitionListingSchema = z.object({
  image: path,
  /** Bytes of the drive the image holds. */
  size: bytes,
  table: z.enum(['gpt', 'mbr']).nullable(),
  partitions: z.array(ImagePartitionSchema).max(4096),
  /** Why no partition could be found, when none was. */
  problem: text.nullable(),
});
export type PartitionListing = z.infer<typeof PartitionListingSchema>;

const ENTRY_KINDS = ['file', 'folder', 'symlink', 'other'] as const;

export const ImageEntrySchema = z.object({
  name: z.string().min(1).max(4096),
  kind: z.enum(ENTRY_KINDS),
  size: bytes,
  mtimeMs: z.number().nullable(),
  mode: z.number().int().min(0).max(0o7777).nullable(),
  /** A symlink's target. */
  target: z.string().max(8192).nullable(),
});
export type ImageEntry = z.infer<typeof ImageEntrySchema>;

/** Most entries a folder listing carries; `truncated` says when there were more. */
export const MAX_IMAGE_FOLDER_ENTRIES = 100_000;

export const ImageFolderSchema = z.object({
  partition: z.number().int().min(1),
  path: imagePath,
  /** 'folder', or the kind of the one entry named when it is not a folder. */
  kind: z.enum(ENTRY_KINDS),
  entries: z.array(ImageEntrySchema).max(MAX_IMAGE_FOLDER_ENTRIES),
  truncated: z.boolean(),
});
export type ImageFolder = z.infer<typeof ImageFolderSchema>;

/** Most matches findInImage returns. */
export const MAX_FIND_MATCHES = 1000;

export const FindResultSchema = z.object({
  partition: z.number().int().min(1),
  matches: z
    .array(
      z.object({
        path: imagePath,
        kind: z.enum(ENTRY_KINDS),
        size: bytes,
        mtimeMs: z.number().nullable(),
      }),
    )
    .max(MAX_FIND_MATCHES),
  /** More matched than were returned. */
  truncated: z.boolean(),
  /** Folders that could not be searched (damaged), and why. */
  problems: z.array(z.object({ path: imagePath, problem: text })).max(MAX_FIND_MATCHES),
});
export type FindResult = z.infer<typeof FindResultSchema>;

/** What reading drives costs the user right now. */
export const AccessSchema = z.object({
  /** true: the next call that reads a drive or an image starts the privileged helper, and the
   *  system asks for an administrator's password (once per session). false: it runs already,
   *  or the app is root. */
  passwordPrompt: z.boolean(),
});
export type Access = z.infer<typeof AccessSchema>;

export const RESULT_SCHEMAS = {
  listDrives: z.array(DriveSchema),
  planBackup: BackupPlanSchema,
  inspectImage: ImageInfoSchema,
  planRestore: RestorePlanSchema,
  planClone: ClonePlanSchema,
  startBackup: StartedJobSchema,
  startRestore: StartedJobSchema,
  startClone: StartedJobSchema,
  startVerify: StartedJobSchema,
  startExtract: StartedJobSchema,
  listPartitions: PartitionListingSchema,
  listImageFolder: ImageFolderSchema,
  findInImage: FindResultSchema,
  cancel: z.object({ cancelled: z.boolean() }),
  sampleCompression: CompressionSampleSchema,
  checkDestination: DestinationCheckSchema,
  listFolder: FolderListingSchema,
  deleteImage: z.object({ removed: z.array(path) }),
  ejectDrive: z.object({ ejected: z.boolean(), message: text }),
  revealInFolder: z.object({ shown: z.boolean() }),
  mountImage: ImageMountSchema,
  unmountImage: z.object({ folder: path }),
  listMounts: z.array(ImageMountSchema).max(1000),
  openMountFolder: z.object({ opened: z.boolean() }),
  listHistory: z.array(HistoryEntrySchema),
  listImages: z.array(ImageRecordSchema),
  getSettings: SettingsSchema,
  getAccess: AccessSchema,
  updateSettings: SettingsSchema,
  listPlans: z.array(DrivePlanSchema),
  getPlan: DrivePlanSchema.nullable(),
  savePlan: DrivePlanSchema,
  deletePlan: z.object({ deleted: z.boolean() }),
  backUpNow: StartedJobSchema.extend({
    image: path,
    /** The earlier image offered as base (the engine may still refuse it, and says why). */
    base: path.nullable(),
  }),
} as const satisfies Record<Method, z.ZodType>;
export type ResultOf<M extends Method> = z.infer<(typeof RESULT_SCHEMAS)[M]>;
export const METHODS = Object.keys(RESULT_SCHEMAS) as Method[];

// ---- what a UI holds -------------------------------------------------------------------------

/** One async function per method, and job events; the renderer never knows the transport. */
export type SpillwayApi = {
  [M in Method]: (params: ParamsOf<M>) => Promise<ResultOf<M>>;
} & {
  onJobEvent(listener: (jobId: string, event: JobEvent) => void): () => void;
};

/**
 * A two-way channel of JSON-compatible messages: the preload bridge (Electron IPC), a
 * WebSocket, a MessagePort. Both ends of the API are written against this alone.
 */
export interface MessageLink {
  send(message: unknown): void;
  /** Returns a function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
}

/** The channel name of the preload bridge's messages (Electron IPC). */
export const IPC_CHANNEL = 'spillway:api';
