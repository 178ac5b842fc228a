// The manifest: what an image holds, written into every image (zstd, lz4) or beside it
// (<image>.spillway.json for gzip, xz, none). Images come from anywhere, so this schema is
// also the first line of defence against hostile files: every number and list is bounded.

import { z } from 'zod';

export const MANIFEST_FORMAT = 'spillway-image';
export const MANIFEST_VERSION = 1;

/** Largest manifest accepted when reading (bytes of JSON). */
export const MAX_MANIFEST_BYTES = 64 * 2 ** 20;

const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const shortText = z.string().max(4096);

/** [start, end) in bytes of the drive; end > start. */
export const ByteRangeSchema = z
  .tuple([offset, offset])
  .refine(([start, end]) => end > start, 'a range must end after it starts');
export type ByteRange = [start: number, end: number];

export const CODEC_NAMES = ['zstd', 'gzip', 'xz', 'lz4', 'none'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

export const PartitionSchema = z.object({
  /** 1-based, as in /dev/sdb1. */
  index: z.number().int().min(1).max(4096),
  /** Byte offset and length on the drive. */
  start: offset,
  size: offset,
  /** GPT type GUID, or MBR type byte as "0x83". */
  type: shortText,
  /** Human name of the type ("Linux filesystem", "EFI System"). */
  typeName: shortText.optional(),
  /** GPT partition name. */
  name: shortText.optional(),
  /** GPT unique partition GUID. */
  uuid: shortText.optional(),
  bootable: z.boolean().optional(),
  /** Filesystem found inside, or null when none was recognised. */
  filesystem: shortText.nullable(),
  label: shortText.optional(),
  fsUuid: shortText.optional(),
  /** Bytes the filesystem says are in use, when it was read. */
  usedBytes: offset.optional(),
  /** How the partition was imaged: only allocated blocks, or every byte. */
  mode: z.enum(['used', 'raw']),
  /** Why a partition was read whole in used mode ("unknown ext4 feature 0x10000"). */
  reason: shortText.optional(),
});
export type Partition = z.infer<typeof PartitionSchema>;

export const PartitionTableSchema = z.object({
  type: z.enum(['gpt', 'mbr']),
  /** GPT disk GUID or MBR disk signature ("0x1234abcd"). */
  id: shortText,
  sectorSize: z.number().int().min(512).max(65536),
  /** GPT only: the usable LBA range. */
  firstUsableLba: offset.optional(),
  lastUsableLba: offset.optional(),
  partitions: z.array(PartitionSchema).max(4096),
});
export type PartitionTable = z.infer<typeof PartitionTableSchema>;

export const SourceInfoSchema = z.object({
  /** What was read: "/dev/sdb", "disk.img", or "-" for stdin. */
  path: shortText,
  kind: z.enum(['device', 'file', 'stream']),
  model: shortText.optional(),
  serial: shortText.optional(),
  /** Bytes in the drive (= the image's payload size). */
  size: offset,
  logicalSectorSize: z.number().int().min(1).max(65536),
  physicalSectorSize: z.number().int().min(1).max(65536),
});
export type SourceInfo = z.infer<typeof SourceInfoSchema>;

/** From frame `from` on (until the next run), frames were compressed at `level`. */
export const LevelRunSchema = z.object({
  from: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32),
  level: z.number().int().min(-131072).max(22),
});
export type LevelRun = z.infer<typeof LevelRunSchema>;

export const CodecInfoSchema = z.object({
  name: z.enum(CODEC_NAMES),
  /** The level asked for (the start level when adaptive). */
  level: z.number().int().min(-131072).max(22),
  /** Adaptive range, when the level followed the backlog. */
  adaptive: z.object({ min: z.number().int(), max: z.number().int() }).optional(),
  /** The level each frame got, as runs; one run when the level never changed. */
  levels: z.array(LevelRunSchema).max(2 ** 24),
});
export type CodecInfo = z.infer<typeof CodecInfoSchema>;

export const ManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  formatVersion: z.literal(MANIFEST_VERSION),
  tool: z.object({ name: z.literal('spillway'), version: shortText }),
  createdAt: shortText,
  finishedAt: shortText,
  source: SourceInfoSchema,
  partitionTable: PartitionTableSchema.nullable(),
  mode: z.enum(['raw', 'used']),
  codec: CodecInfoSchema,
  /** Uncompressed bytes per frame (the last frame may be shorter). */
  frameSize: z
    .number()
    .int()
    .min(4096)
    .max(2 ** 30),
  frameCount: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32),
  /** Uncompressed payload bytes: the whole drive. */
  size: offset,
  /** SHA-256 of the whole uncompressed stream, hex: compare with `zstd -dc img | sha256sum`. */
  streamSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * SHA-256 of every frame's XXH64 (seed 0, 8 bytes big-endian), in order. Lets a restore
   * check the frames it writes on every core and skip the ones holding only "don't care"
   * bytes, where streamSha256 takes one core over every byte. Absent from older images.
   */
  framesDigest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /**
   * SHA-256 of every frame's XXH64 over its bytes as stored in the image file (compressed;
   * a hole of an uncompressed image counts as its zeros), 8 bytes big-endian each, in order,
   * then of the UTF-8 JSON text of `[framesDigest ?? null, dontCare]`: the fields a restore
   * relies on without decoding. When an image hashes to this, its frames are the very bytes
   * the backup wrote: one read of the image (mostly a fraction of the drive's size), with no
   * decoding, proves it undamaged before a restore writes. Absent from older images.
   */
  storedFramesDigest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /**
   * A strong hash (BLAKE3, 32 bytes) of each frame's uncompressed bytes, in frame order, as
   * one base64 string: what lets a later backup of the same drive copy this image's frames
   * that it finds unchanged instead of compressing them again. Absent from older images.
   */
  frameHashes: z
    .object({
      algorithm: z.literal('blake3'),
      hashes: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'frame hashes must be base64'),
    })
    .optional(),
  /**
   * The list storedFramesDigest is taken over: each frame's XXH64 of its bytes as stored, 8
   * bytes big-endian, as one base64 string. With it a backup with this image as its base
   * checks a frame it copies by its stored bytes alone, without decoding it. Absent from
   * older images.
   */
  storedFrameXxh64: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'stored frame digests must be base64')
    .optional(),
  /**
   * An encrypted image only: BLAKE3 of the age file's first `chunks` payload chunks as
   * stored (ciphertext and tag of each, from the first byte after the 16-byte payload nonce),
   * every chunk that holds only bytes before this manifest. A restore hashes them as stored
   * instead of decrypting them to check the frames inside, before it writes anything; the
   * manifest itself is authenticated by the chunks it lies in. Absent from older images and
   * from images encrypted by other tools.
   */
  sealedDigest: z
    .object({
      algorithm: z.literal('blake3'),
      chunks: z
        .number()
        .int()
        .min(0)
        .max(2 ** 40),
      digest: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .optional(),
  /** Ranges no filesystem uses: stored as zeros, need not be written on restore. */
  dontCare: z.array(ByteRangeSchema).max(2 ** 24),
  /** Ranges that could not be read from the source: stored as zeros. */
  badRanges: z.array(ByteRangeSchema).max(2 ** 24),
});
export type Manifest = z.infer<typeof ManifestSchema>;
/** An encrypted image's digest of its chunks as stored (see sealedDigest above). */
export type SealedDigestRecord = NonNullable<Manifest['sealedDigest']>;

/** The manifest without a sealedDigest: what a writer starts from, since a digest taken of
 *  another file's chunks (an encrypted source being recompressed) says nothing of its own. */
export function withoutSealedDigest(manifest: Manifest): Manifest {
  const rest = { ...manifest };
  delete rest.sealedDigest;
  return rest;
}

/**
 * The header at the start of an image: enough to recognise a Spillway image whose end is
 * missing, and to continue an interrupted backup.
 */
export const ImageHeaderSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  formatVersion: z.literal(MANIFEST_VERSION),
  codec: z.enum(CODEC_NAMES),
  frameSize: ManifestSchema.shape.frameSize,
  /** Bytes of the drive, when known at the start (not for stdin). */
  sourceSize: offset.nullable(),
  sourcePath: shortText,
  /** What identifies the drive, to resume only from the same one. */
  sourceModel: shortText.optional(),
  sourceSerial: shortText.optional(),
  /** The level the backup started at (what frames before a resume were compressed at). */
  level: z.number().int().min(-131072).max(22).optional(),
  /** Raw or used mode, so a resumed backup reads the same way. */
  mode: z.enum(['raw', 'used']).optional(),
  createdAt: shortText,
});
export type ImageHeader = z.infer<typeof ImageHeaderSchema>;
