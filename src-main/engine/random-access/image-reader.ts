// Random access to the drive an image holds: read(offset, length) of any byte range, decoding
// only the frames that hold it. Works for every image Spillway can index: zstd and LZ4 (index
// inside), gzip, xz and uncompressed (index in the sidecar file), a plain .img (read as is),
// on a file, split parts or another machine (endpoints/). This is what browsing, extracting
// and mounting read through.
//
// - Decoded frames are kept in a bounded cache (frame-cache.ts): CACHE_BYTES, at least
//   MIN_CACHED_FRAMES frames; memory does not grow with the image.
// - "Don't care" ranges of the manifest (unused blocks, zeros in the image) read as zeros
//   without decoding anything.
// - The first frames are decoded on this thread: a listing or a small file needs a handful,
//   and starting the worker pool costs more than that (each worker loads every codec's
//   native module: about 0.3 CPU s). Past INLINE_FRAMES, or as soon as reading streams, a
//   read that spans several frames decodes them on the worker pool at once; reads that
//   follow each other (a file streamed) decode the next frames ahead, on the idle workers.
// - Counters (stats) say what it took: frames decoded, cache hits, image bytes read.
//
// Images without an index (a whole stream from another tool) cannot be read this way: they
// are refused with 'image-not-indexed'.

import type { Manifest } from '../../../src-shared/manifest.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import type { AgeKeys } from '../endpoints/age/age-keys.js';
import { SpillwayError } from '../errors.js';
import type { IndexedImage, OpenedImage } from '../format/image-layout.js';
import { openImage } from '../image/open-image.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import { FrameCorruptError } from '../codecs/frame-codec.js';
import { frameCodec } from '../codecs/registry.js';
import { SlotArena, type Slot } from '../pool/slot-arena.js';
import { normalize, type ByteRange } from '../ranges.js';
import type { ReadAt } from '../read-at.js';
import { FrameCache } from './frame-cache.js';
import { frameAt, frameIsDontCare, framesToDecode } from './frame-lookup.js';

/** Memory for decoded frames: 16 frames of the default 4 MiB. */
export const CACHE_BYTES = 64 * 2 ** 20;
/** Frames kept even when they are large (a 256 MiB frame size: 1 GiB). */
export const MIN_CACHED_FRAMES = 4;
/** Memory for compressed frames being read, beyond the two slots always given. */
const INPUT_BYTES = 32 * 2 ** 20;
/**
 * Frames decoded on this thread before the pool is started (none when a pool is given): what
 * listing a folder or reading a small file takes, 32 MiB at the default frame size.
 */
export const INLINE_FRAMES = 8;
/** Frames decoded ahead of a sequential reader, by default. */
export const DEFAULT_READ_AHEAD = 2;
/**
 * Bytes read end to end before reading counts as sequential (a file streamed; the filesystem
 * readers stream in 1 MiB reads): the small reads of folders and inodes that happen to follow
 * each other, and files of 1 MiB or less, do not decode ahead.
 */
const SEQUENTIAL_BYTES = 2 * 1024 * 1024;

/** What reading has cost so far; live counters, for tests, benchmarks and progress. */
export interface ReadStats {
  /** read() calls and the bytes they returned. */
  reads: number;
  bytes: number;
  /** Frames decoded (read from the image and decompressed), read-ahead included. */
  framesDecoded: number;
  /** Of those, frames decoded ahead of a sequential reader. */
  framesReadAhead: number;
  /** Frames a read found already decoded (or being decoded). */
  cacheHits: number;
  /** Bytes read from the image file (compressed). */
  imageBytesRead: number;
  /** Of the frames decoded, those decoded on this thread (the pool was not needed for them). */
  framesDecodedInline: number;
}

export interface ImageReader {
  /** The image as the user named it. */
  readonly path: string;
  /** Bytes of the drive it holds. */
  readonly size: number;
  /** What the image says about itself (null: a plain .img or a foreign seekable file). */
  readonly manifest: Manifest | null;
  readonly stats: ReadStats;
  /** Decoded frames kept at most (0 for a plain .img: nothing to decode). */
  readonly cachedFrames: number;
  /** Exactly `length` bytes of the drive from `offset`. */
  read(offset: number, length: number): Promise<Buffer>;
  /** read(), as the filesystem readers take it. */
  readonly readAt: ReadAt;
  close(): Promise<void>;
}

export interface ReaderOptions {
  /** A pool to decode on (shared with other work); else one is started when first needed. */
  pool?: CodecPool;
  /** Threads of the pool started here (default: one per core). */
  threads?: number;
  /** Bytes of decoded frames to keep (default CACHE_BYTES). */
  cacheBytes?: number;
  /** Frames to decode ahead of sequential reads (default DEFAULT_READ_AHEAD; 0: none). */
  readAhead?: number;
  ssh?: SshOptions;
  /** What opens an encrypted image. */
  age?: AgeKeys;
  /** Told of every frame decoded, by its number (tests, benchmarks). */
  onFrameDecoded?(index: number): void;
}

/** Opens the image at `path` (a file, parts, ssh://…) for random access. */
export async function openImageReader(
  path: string,
  options: ReaderOptions = {},
): Promise<ImageReader> {
  const image = await openImage(path, {
    ...(options.ssh ? { ssh: options.ssh } : {}),
    ...(options.age ? { age: options.age } : {}),
  });
  try {
    return imageReader(image, options);
  } catch (error) {
    await image.input.close();
    throw error;
  }
}

/** Random access to an opened image; closing the reader closes the image. */
export function imageReader(image: OpenedImage, options: ReaderOptions = {}): ImageReader {
  switch (image.layout) {
    case 'indexed':
      return new IndexedReader(image, options);
    case 'raw':
      return rawReader(image.input.path, image.payloadSize, image.input);
    case 'stream':
      throw new SpillwayError(
        'image-not-indexed',
        `${image.input.path} was made by another program and has no index of its frames: ` +
          'files cannot be read from it without decompressing all of it first.',
        { facts: { image: image.input.path }, remedy: 'rebackup-from-stream' },
      );
  }
}

function newStats(): ReadStats {
  return {
    reads: 0,
    bytes: 0,
    framesDecoded: 0,
    framesReadAhead: 0,
    cacheHits: 0,
    imageBytesRead: 0,
    framesDecodedInline: 0,
  };
}

function checkRange(path: string, size: number, offset: number, length: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new RangeError(`${path}: a read of ${length} bytes at ${offset} is outside the drive`);
  }
}

/** A plain .img: the drive's bytes are the file's. */
function rawReader(
  path: string,
  size: number,
  input: { read(position: number, length: number): Promise<Buffer>; close(): Promise<void> },
): ImageReader {
  const stats = newStats();
  const read = async (offset: number, length: number) => {
    checkRange(path, size, offset, length);
    const bytes = await input.read(offset, length);
    stats.reads++;
    stats.bytes += length;
    stats.imageBytesRead += length;
    return bytes;
  };
  return {
    path,
    size,
    manifest: null,
    stats,
    cachedFrames: 0,
    read,
    readAt: read,
    close: () => input.close(),
  };
}

class IndexedReader implements ImageReader {
  readonly path: string;
  readonly size: number;
  readonly manifest: Manifest | null;
  readonly stats = newStats();
  readonly readAt: ReadAt = (position, length) => this.read(position, length);
  private readonly dontCare: ByteRange[];
  private readonly cache: FrameCache;
  private readonly inputs: SlotArena;
  private readonly readAhead: number;
  private pool: CodecPool | null;
  private readonly ownPool: boolean;
  /** Where the previous read ended, and how many bytes were read end to end up to there. */
  private lastEnd = -1;
  private sequentialBytes = 0;
  private closed = false;

  get cachedFrames(): number {
    return this.cache.slotCount;
  }

  constructor(
    private readonly image: IndexedImage,
    private readonly options: ReaderOptions,
  ) {
    this.path = image.input.path;
    this.size = image.payloadSize;
    this.manifest = image.manifest;
    this.dontCare = normalize(image.manifest?.dontCare ?? []);
    const largest = (key: 'size' | 'compressedSize') =>
      image.frames.reduce((max, f) => Math.max(max, f[key]), 1);
    const frameBytes = largest('size');
    const cacheBytes = options.cacheBytes ?? CACHE_BYTES;
    this.cache = new FrameCache(
      frameBytes,
      Math.max(MIN_CACHED_FRAMES, Math.floor(cacheBytes / frameBytes)),
    );
    this.pool = options.pool ?? null;
    this.ownPool = !options.pool;
    const inputBytes = largest('compressedSize');
    const wanted = this.threads() * 2;
    this.inputs = new SlotArena(
      inputBytes,
      Math.max(2, Math.min(wanted, Math.floor(INPUT_BYTES / inputBytes))),
    );
    this.readAhead = Math.min(options.readAhead ?? DEFAULT_READ_AHEAD, this.cache.slotCount / 2);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    if (this.closed) throw new Error(`${this.path}: the reader is closed`);
    checkRange(this.path, this.size, offset, length);
    // Zeros to start with: "don't care" bytes need nothing more.
    const out = Buffer.alloc(length);
    const end = offset + length;
    const frames = framesToDecode(this.image.frames, this.dontCare, offset, end);
    await Promise.all(
      frames.map(async (index) => {
        const frame = this.image.frames[index]!;
        const from = Math.max(offset, frame.driveOffset);
        const to = Math.min(end, frame.driveOffset + frame.size);
        const { hit } = await this.cache.use(
          index,
          frame.size,
          (slot) => this.decode(index, slot),
          (bytes) =>
            bytes.copy(out, from - offset, from - frame.driveOffset, to - frame.driveOffset),
        );
        if (hit) this.stats.cacheHits++;
      }),
    );
    this.stats.reads++;
    this.stats.bytes += length;
    if (length > 0) this.afterRead(offset, end);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pool) {
      if (this.ownPool) await this.pool.close();
      else {
        this.pool.forget(this.cache.arena);
        this.pool.forget(this.inputs);
      }
    }
    await this.image.input.close();
  }

  /** Reads that follow each other for long enough have the next frames decoded ahead. */
  private afterRead(offset: number, end: number): void {
    this.sequentialBytes = (offset === this.lastEnd ? this.sequentialBytes : 0) + end - offset;
    this.lastEnd = end;
    if (this.sequentialBytes < SEQUENTIAL_BYTES || this.readAhead === 0) return;
    const { frames } = this.image;
    const last = frameAt(frames, end - 1);
    // The next frames only: "don't care" ones among them need no decoding, and frames past
    // them are too far to be what the reader wants next.
    for (let i = last + 1; i <= last + this.readAhead && i < frames.length; i++) {
      if (frameIsDontCare(frames[i]!, this.dontCare) || this.cache.has(i)) continue;
      if (!this.cache.prefetch(i, (slot) => this.decode(i, slot, true))) break;
    }
  }

  private threads(): number {
    return this.pool?.size ?? this.options.threads ?? defaultThreads();
  }

  /** Whether the next frame is decoded on this thread: see INLINE_FRAMES. A reader that
   *  streams (decodes ahead) wants the workers, and one that has, keeps them. */
  private decodesInline(ahead: boolean): boolean {
    return !this.pool && !ahead && this.stats.framesDecodedInline < INLINE_FRAMES;
  }

  private codecPool(): CodecPool {
    this.pool ??= new CodecPool(this.threads());
    return this.pool;
  }

  /** Reads frame `index` from the image and decodes it into `slot` on the pool. */
  private async decode(index: number, slot: Slot, ahead = false): Promise<void> {
    const frame = this.image.frames[index]!;
    const input = await this.inputs.acquire();
    try {
      const compressed = input.bytes(frame.compressedSize);
      await this.image.input.readInto(compressed, frame.fileOffset);
      this.stats.imageBytesRead += frame.compressedSize;
      if (this.decodesInline(ahead)) {
        (await frameCodec(this.image.codec)).decompress(
          compressed,
          slot.bytes(frame.size),
          frame.checksum,
        );
        this.stats.framesDecodedInline++;
      } else {
        await this.codecPool().decompress(
          this.image.codec,
          input,
          frame.compressedSize,
          slot,
          frame.size,
          frame.checksum,
        );
      }
      this.stats.framesDecoded++;
      if (ahead) this.stats.framesReadAhead++;
      this.options.onFrameDecoded?.(index);
    } catch (error) {
      if (!(error instanceof FrameCorruptError)) throw error;
      const end = frame.driveOffset + frame.size;
      throw new SpillwayError(
        'image-damaged',
        `${this.path} is damaged at drive bytes ${frame.driveOffset}–${end} ` +
          `(frame ${frame.index}: ${error.message}).`,
      );
    } finally {
      this.inputs.release(input);
    }
  }
}
