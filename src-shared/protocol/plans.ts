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

/** `spillway plan SRC`: what a used-mode backup of a drive would read, before reading it. */
export const BackupPlanSchema = z.object({
  source: path,
  size: bytes,
  partitionTable: PartitionTableSchema.omit({ partitions: true }).nullable(),
  partitions: z.array(PartitionSchema),
  /** Why everything is read, when it is. */
  reason: text.optional(),
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
  /** Kernel names of the device's partitions. */
  partitions: z.array(text),
  /** Its partitions (or itself) that are mounted or used as swap now. */
  mounted: z.array(MountedPartSchema),
  /** Whole disks it is (for a device), by kernel name. */
  disks: z.array(text),
  /** For a loop device, the file behind it. */
  backingFile: path.optional(),
});
export type TargetDescription = z.infer<typeof TargetDescriptionSchema>;

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
});
export type RestorePlan = z.infer<typeof RestorePlanSchema>;
