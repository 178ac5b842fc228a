// The digests of an image's stream, taken frame by frame as the frames go by.
//
// - streamSha256: SHA-256 of the whole stream, what `zstd -dc img | sha256sum` prints. One
//   sequential computation, about 2 GB/s on one core here, zeros included: on a 4 GiB drive
//   that is ~2 s whatever is on it.
// - framesDigest: SHA-256 of the list of every frame's XXH64 (seed 0, 8 bytes big-endian),
//   in stream order. Each frame's XXH64 (over 20 GB/s here) stands on its own, so a restore
//   can check frames on any thread, in any order, and account for a frame it has no reason
//   to decode (all "don't care", hence all zeros) without decoding it. The list's SHA-256
//   still binds every frame to its place: a swapped or replaced frame changes it.
// - storedFramesDigest: the same list over each frame's bytes as stored in the image file
//   (compressed), followed by what a restore takes from the manifest on trust: framesDigest
//   and the "don't care" ranges. Taken by the image writer, the only one to see those bytes;
//   a restore reads the image once and compares it before writing, instead of decoding every
//   frame twice (once to check, once to write).

import { createHash, type Hash } from 'node:crypto';
import { Xxh64, xxh64 } from '@node-rs/xxhash';
import type { Manifest } from '../../../src-shared/manifest.js';

export function frameXxh64(data: Uint8Array): bigint {
  return xxh64(data, 0n);
}

/**
 * XXH64s of zero frames, by size. Only the last few sizes are kept: an image has two (its
 * frame size and its last frame's), but the sizes come from the image's index, and an app
 * that opens many images, or hostile ones, must not keep one entry for every size it met.
 */
const zeroDigests = new Map<number, bigint>();
const ZERO_SIZES_KEPT = 8;

/** Zeros hashed a piece at a time, so a frame of any size needs no buffer of its size. */
const ZERO_PIECE_BYTES = 2 ** 20;
let zeroPiece: Uint8Array | null = null;

/** The XXH64 of `size` zero bytes (a frame that only holds "don't care" ranges). */
export function zeroFrameXxh64(size: number): bigint {
  let digest = zeroDigests.get(size);
  if (digest === undefined) {
    digest = xxh64OfZeros(size);
    if (zeroDigests.size >= ZERO_SIZES_KEPT) {
      zeroDigests.delete(zeroDigests.keys().next().value!);
    }
    zeroDigests.set(size, digest);
  }
  return digest;
}

function xxh64OfZeros(size: number): bigint {
  zeroPiece ??= new Uint8Array(ZERO_PIECE_BYTES);
  const hash = new Xxh64(0n);
  for (let left = size; left > 0; left -= ZERO_PIECE_BYTES) {
    hash.update(left >= ZERO_PIECE_BYTES ? zeroPiece : zeroPiece.subarray(0, left));
  }
  return hash.digest();
}

/** Why an image whose frames all decode still fails its framesDigest. */
export const FRAMES_MISMATCH =
  'every frame decodes, but they are not the frames the backup recorded, in that order';

/** framesDigest, built one frame digest at a time. */
export class FramesDigest {
  private readonly hash: Hash = createHash('sha256');
  private readonly word = Buffer.alloc(8);

  add(frameDigest: bigint): void {
    this.word.writeBigUInt64BE(frameDigest);
    this.hash.update(this.word);
  }

  /** The digest; `trailer` is hashed after the list, when given. */
  hex(trailer?: string): string {
    if (trailer !== undefined) this.hash.update(trailer);
    return this.hash.digest('hex');
  }
}

/** The manifest's fields a restore relies on once the stored frames are proven. */
export type BoundFields = Pick<Manifest, 'framesDigest' | 'dontCare'>;

/** storedFramesDigest, built one stored frame at a time, then bound to the manifest. */
export class StoredFramesDigest {
  private readonly frames = new FramesDigest();
  /** The list itself, 8 bytes big-endian per frame (the manifest's storedFrameXxh64). */
  private words = Buffer.alloc(8 * 1024);
  private count = 0;

  /** The XXH64 of the next frame's bytes as stored. */
  add(storedDigest: bigint): void {
    this.frames.add(storedDigest);
    if ((this.count + 1) * 8 > this.words.byteLength) {
      const grown = Buffer.alloc(this.words.byteLength * 2);
      this.words.copy(grown);
      this.words = grown;
    }
    this.words.writeBigUInt64BE(storedDigest, this.count * 8);
    this.count++;
  }

  /** Every frame's stored XXH64 so far, as the manifest records them (base64). */
  list(): string {
    return this.words.subarray(0, this.count * 8).toString('base64');
  }

  hex(manifest: BoundFields): string {
    // JSON of plain strings and integers: the same text wherever it is computed.
    return this.frames.hex(JSON.stringify([manifest.framesDigest ?? null, manifest.dontCare]));
  }
}

/** The manifest's digests of a whole stream. */
export interface StreamDigests {
  streamSha256: string;
  framesDigest: string;
}

/** Both digests of a stream fed frame by frame, in order (the backup's side). */
export class StreamDigest {
  private readonly sha256: Hash = createHash('sha256');
  private readonly frames = new FramesDigest();

  /**
   * One whole frame of the stream (the last one may be shorter). `zeros`: the caller knows
   * it holds only zeros (nothing was read into it), so its XXH64 is known too.
   */
  update(frame: Uint8Array, zeros = false): this {
    this.sha256.update(frame);
    this.frames.add(zeros ? zeroFrameXxh64(frame.byteLength) : frameXxh64(frame));
    return this;
  }

  result(): StreamDigests {
    return { streamSha256: this.sha256.digest('hex'), framesDigest: this.frames.hex() };
  }
}

/**
 * Checks a recorded framesDigest when only some frames are decoded (those a restore writes):
 * every frame left out must hold only "don't care" bytes, zeros in the image, and counts as
 * zeros. Frames are given by their place in the image's list, in increasing order.
 */
export class FramesDigestCheck {
  private readonly digest = new FramesDigest();
  private next = 0;

  constructor(
    /** The size of each of the image's frames, in order. */
    private readonly sizes: readonly number[],
    private readonly recorded: string,
  ) {}

  add(place: number, frameDigest: bigint): void {
    if (place < this.next) throw new Error('frames must be added in order');
    this.zerosUpTo(place);
    this.digest.add(frameDigest);
    this.next = place + 1;
  }

  matches(): boolean {
    this.zerosUpTo(this.sizes.length);
    return this.digest.hex() === this.recorded;
  }

  private zerosUpTo(place: number): void {
    for (; this.next < place; this.next++) this.digest.add(zeroFrameXxh64(this.sizes[this.next]!));
  }
}

/**
 * Each frame's stored XXH64 from the manifest (storedFrameXxh64), 8 bytes big-endian per frame,
 * when the list is there, has one per frame, and is the one storedFramesDigest was taken over;
 * otherwise null.
 */
export function provenStoredDigests(manifest: Manifest, frameCount: number): Buffer | null {
  if (manifest.storedFrameXxh64 === undefined || manifest.storedFramesDigest === undefined) {
    return null;
  }
  const words = Buffer.from(manifest.storedFrameXxh64, 'base64');
  if (words.byteLength !== frameCount * 8) return null;
  const digest = new StoredFramesDigest();
  for (let at = 0; at < words.byteLength; at += 8) digest.add(words.readBigUInt64BE(at));
  return digest.hex(manifest) === manifest.storedFramesDigest ? words : null;
}
