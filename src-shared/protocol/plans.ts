// What the engine answers before a job runs: what an image is (inspect), what a backup would
// read (plan), what a restore would write and every reason not to (plan, with refusals).
// Each is defined once, here, as a schema: the engine returns the inferred types, and
// whoever receives them from another process validates them with the schemas.

import { z } from 'zod';
import { ErrorInfoSchema } from '../errors.js';
import { ManifestSchema, PartitionSchema, PartitionTableSchema } from '../manifest.js';
import { CHECK_LEVELS } from './events.js';

const path = z.string().min(1).max(4096);
const text = z.string().max(4096);
const bytes = z.number().min(0);

/** How an image is laid out: indexed frames, a stream made by another tool, or raw bytes. */
export const ImageLayoutSchema = z.enum(['indexed', 'stream', 'raw']);

export const ImageInfoSchema = z.object({
  path,
  layout: ImageLayoutSchema,
  codec: text,
  /** Bytes of the image file, and of the drive it holds (when known without decoding). */
  fileSize: bytes,
  payloadSize: bytes.nullable(),
  /** An age file around the image (fileSize is then the image's inside it). */
  encrypted: z.boolean().optional(),
  frames: z.number().int().min(0).nullable(),
  ratio: z.number().min(0).nullable(),
  checkable: z.enum(CHECK_LEVELS),
  manifest: ManifestSchema.nullable(),
});
export type ImageInfo = z.infer<typeof ImageInfoSchema>;

/** Why a used-mode backup reads a whole drive: it holds nothing (0 bytes); nothing on it was
 *  recognised (no partition table, no filesystem); or its table is there but cannot be
 *  believed (it contradicts itself or the drive's size), `why` in the engine's words for the
 *  log. A code, so that each front end says it in its own words. */
export const ReadWholeSchema = z.discriminatedUnion('cause', [
  z.object({ cause: z.literal('empty') }),
  z.object({ cause: z.literal('unrecognised') }),
  z.object({ cause: z.literal('distrusted'), why: text }),
]);
export type ReadWhole = z.infer<typeof ReadWholeSchema>;

/** `spillway plan SRC`: what a used-mode backup of a drive would read, before reading it. */
export const BackupPlanSchema = z.object({
  source: path,
  size: bytes,
  partitionTable: PartitionTableSchema.omit({ partitions: true }).nullable(),
  partitions: z.array(PartitionSchema),
  /** Why everything is read, when it is. */
  whole: ReadWholeSchema.optional(),
  bytesToRead: bytes,
  /** A rough range for a zstd -3 image: what is read, compressed between 1.2× and 3×;
   *  unread bytes cost nothing. */
  expectedImage: z.tuple([bytes, bytes]),
});
export type BackupPlan = z.infer<typeof BackupPlanSchema>;

export const MountedPartSchema = z.object({
  /** "/dev/sdb1" */
  device: text,
  /** Where it is mounted, or "swap". */
  mountPoint: text,
});
export type MountedPart = z.infer<typeof MountedPartSchema>;

/** A drive's partition table as read from the drive's own bytes (the parser the Drives screen's
 *  plan uses too), not from the kernel's partition nodes: the kernel does not scan every
 *  device (loop devices), so "no nodes" is not "no partitions". */
export const TableFactsSchema = z.discriminatedUnion('state', [
  /** A table was read: its kind and how many partitions it lists (0: an empty table). */
  z.object({
    state: z.literal('read'),
    type: z.enum(['gpt', 'mbr']),
    partitions: z.number().int().min(0),
  }),
  /** The bytes were read and hold no partition table. */
  z.object({ state: z.literal('none') }),
  /** The table could not be read, or is there but cannot be believed; why, in words. */
  z.object({ state: z.literal('unreadable'), why: text }),
]);
export type TableFacts = z.infer<typeof TableFactsSchema>;

/** What a restore would write to, for the plan, the confirmation and the UI. */
export const TargetDescriptionSchema = z.object({
  path,
  kind: z.enum(['device', 'file']),
  /** The name the user types to confirm: the kernel name ("sdb") or the file's name. */
  name: text,
  /** Bytes a device holds; null for a file (it grows). */
  size: bytes.nullable(),
  exists: z.boolean(),
  model: text.optional(),
  /** Kernel names of the device's partition nodes (for mount checks; not a count of its
   *  partitions: see `table`). */
  partitions: z.array(text),
  /** A device's partition table, read from its bytes; absent for a file. */
  table: TableFactsSchema.optional(),
  /** Its partitions (or itself) that are mounted or used as swap now. */
  mounted: z.array(MountedPartSchema),
  /** Whole disks it is (for a device), by kernel name. */
  disks: z.array(text),
  /** For a loop device, the file behind it. */
  backingFile: path.optional(),
  /** A device the kernel will not write to (write-protected, or attached read-only). */
  readOnly: z.boolean().optional(),
});
export type TargetDescription = z.infer<typeof TargetDescriptionSchema>;

/** Which partition a restore or clone onto a larger drive grows: one by its number, the
 *  largest data partition (ext2/3/4, NTFS, FAT), or none (the layout is kept). */
export const GrowChoiceSchema = z.union([
  z.number().int().min(1).max(4096),
  z.enum(['largest', 'none']),
]);
export type GrowChoice = z.infer<typeof GrowChoiceSchema>;

/** A partition where the source has it and where the target will. */
export const PlacedPartitionSchema = z.object({
  index: z.number().int().min(1).max(4096),
  filesystem: text.nullable(),
  /** An MBR extended partition (holds the logical ones). */
  container: z.boolean(),
  start: bytes,
  size: bytes,
  newStart: bytes,
  newSize: bytes,
});
export type PlacedPartition = z.infer<typeof PlacedPartitionSchema>;

/** Why a layout is kept as it is on the target. */
export const KEEP_REASONS = [
  'same-size',
  'smaller',
  'no-grow',
  'no-table',
  'no-data-partition',
  'too-little-room',
] as const;

/**
 * Where the partitions go on the target. `keep`: every byte where it was (up to the target's
 * end, `writeEnd`); `grow`: the bytes before `cut` stay, those from `cut` to `end` move by
 * `shift` bytes (a whole number of MiB), and partition `grown` ends `shift` bytes later.
 */
export const LayoutPlanSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('keep'),
    why: z.enum(KEEP_REASONS),
    targetSize: bytes,
    writeEnd: bytes,
  }),
  z.object({
    kind: z.literal('grow'),
    table: z.enum(['gpt', 'mbr']),
    sectorSize: z.number().int().min(512).max(65536),
    targetSize: bytes,
    grown: z.number().int().min(1).max(4096),
    cut: bytes,
    end: bytes,
    shift: bytes,
    partitions: z.array(PlacedPartitionSchema),
  }),
]);
export type LayoutPlan = z.infer<typeof LayoutPlanSchema>;
/**
 * What a restore does with the target's bytes that no filesystem of the image uses (its
 * "don't care" ranges), where the target's old data would otherwise stay readable:
 * - keep: leave them as they are (fastest; the old data stays);
 * - erase: make the old data unreadable: discard (TRIM) where the target supports it, the
 *   ranges then read back to confirm they hold zeros, and zeros written where they do not;
 * - zero: write zeros over them;
 * - auto (the default): erase. A file this restore creates needs nothing (its holes read as
 *   zeros).
 */
export const UNUSED_CHOICES = ['keep', 'erase', 'zero', 'auto'] as const;
export type UnusedChoice = (typeof UNUSED_CHOICES)[number];

/** The target's unused space, as the plan sees it before anything is written. */
export const UnusedSpaceSchema = z.object({
  /** Bytes and ranges of the target the image's filesystems do not use. */
  bytes,
  ranges: z.number().int().min(0),
  /** The target can discard them (a drive with TRIM, an existing file's holes); when it
   *  cannot, erasing them writes zeros. A file the restore creates needs nothing. */
  canDiscard: z.boolean(),
  /** A new file: the unused ranges are holes, which read as zeros whatever the choice. */
  newFile: z.boolean(),
});
export type UnusedSpace = z.infer<typeof UnusedSpaceSchema>;

export const RestorePlanSchema = z.object({
  image: z.object({
    path,
    layout: ImageLayoutSchema,
    codec: text,
    /** Bytes the image holds uncompressed, when known before decoding. */
    payloadSize: bytes.nullable(),
    manifest: ManifestSchema.nullable(),
    /** What a check of this image can prove. */
    checkable: z.enum(CHECK_LEVELS),
    notes: z.array(text),
  }),
  target: TargetDescriptionSchema,
  /** What is lost, in words: "everything on /dev/sdb (240 GB, SanDisk, 2 partitions)". */
  erases: text,
  /** Every reason not to restore: each is the error the restore would end with. */
  refusals: z.array(ErrorInfoSchema),
  /** The drive is smaller than the image, but nothing past its end is data: the image is
   *  written up to this size and a GPT's backup moves to the new end. Null otherwise. */
  shrinkTo: bytes.nullable(),
  /** Where the partitions go on a drive (null for a file, or when the sizes are unknown). */
  layout: LayoutPlanSchema.nullable().optional(),
  /** The target's bytes no filesystem of the image uses (used-blocks images only). */
  unused: UnusedSpaceSchema,
});
export type RestorePlan = z.infer<typeof RestorePlanSchema>;

/** What a clone would copy and write, and every reason not to (as for a restore). */
export const ClonePlanSchema = z.object({
  source: z.object({
    path,
    size: bytes,
    model: text.optional(),
    partitionTable: PartitionTableSchema.nullable(),
    /** What its filesystems use: the bytes that are copied. */
    bytesToRead: bytes,
  }),
  target: TargetDescriptionSchema,
  erases: text,
  refusals: z.array(ErrorInfoSchema),
  layout: LayoutPlanSchema.nullable(),
});
export type ClonePlan = z.infer<typeof ClonePlanSchema>;
