// The bytes of an image, read by position (frames of an indexed image) or as a stream
// (images made by other tools), wherever they are: a file (file/input.ts), split parts
// (split/input.ts), a file on another machine (ssh/input.ts), or memory (tests, fuzzing).

import { Readable } from 'node:stream';
import type { SealedDigestRecord } from '../../../src-shared/manifest.js';
import { SpillwayError } from '../errors.js';

export interface ImageInput {
  /** What the user named: a path. */
  readonly path: string;
  readonly size: number;
  /** The files it is read from (several for a split image; none in memory), so a restore
   *  can refuse a target that holds any of them. */
  readonly files: string[];
  /** Exactly `length` bytes from `position`; throws when the image ends first. */
  read(position: number, length: number): Promise<Buffer>;
  /** Fills `target` from `position` (same rules as read). */
  readInto(target: Uint8Array, position: number): Promise<void>;
  /** The bytes from `start` to the end, as a stream. */
  stream(start?: number): Readable;
  close(): Promise<void>;
  /** An encrypted input's chunks as stored, so that a frame can be read sealed and opened
   *  by the worker that decodes it (age/input.ts). */
  readonly sealedChunks?: SealedChunks;
}

/**
 * The sealed chunks of an encrypted input. A range read sealed is authenticated by whoever
 * opens it, chunk by chunk, before any of its bytes is used.
 */
export interface SealedChunks {
  /**
   * Ranges shorter than this are better read opened (readInto): the input keeps the last few
   * chunks it opened, which small neighbours share (a chunk can hold a hundred frames of
   * zeros), where each range read sealed opens all of its chunks again.
   */
  readonly smallestSealedRead: number;
  /** The most sealed bytes that a range of `length` plain bytes can span. */
  maxSealedBytes(length: number): number;
  /** Reads the chunks that hold `length` plain bytes from `position` into the start of
   *  `into`; returns their sealed length and how to open them. */
  readSealed(position: number, length: number, into: Uint8Array): Promise<SealedRange>;
  /** Told once a range's chunks were opened and authenticated. */
  noteOpened(range: SealedRange): void;
  /** The error naming chunk `index`, which did not authenticate. */
  damaged(index: number): Error;
  /**
   * The digest of the first `chunks` chunks as stored (age/sealed-digest.ts), read in large
   * pieces and opened nowhere; `onRead` is told the bytes of each piece, and where the bytes
   * of the image inside the chunks hashed so far end. Fewer chunks are hashed when the
   * payload has fewer before its last: the record returned says how many.
   */
  digestStored(
    chunks: number,
    onRead: (bytes: number, plainEnd: number) => void,
    signal: AbortSignal,
  ): Promise<SealedDigestRecord>;
  /** The bytes `chunks` whole chunks take as stored. */
  storedBytes(chunks: number): number;
}

export interface SealedRange {
  /** Bytes read into `into`. */
  sealedLength: number;
  key: Uint8Array;
  firstChunk: number;
  /** The payload's last chunk, which must say it is. */
  lastChunk: number;
  /** Plain bytes of the first chunk before `position`. */
  skip: number;
  length: number;
}

/** The text of the index file found beside an image (src-shared/sidecar.ts), and its name. */
export interface SidecarText {
  path: string;
  text: string;
}

/** An image's bytes, with the index file that was beside it, if any. */
export interface FoundImage {
  input: ImageInput;
  sidecar: SidecarText | null;
}

/** Reading past the end of an image means it was cut short. */
export function checkReadRange(path: string, size: number, position: number, length: number) {
  if (position < 0 || length < 0 || position + length > size) {
    throw new SpillwayError('image-truncated', `${path} ends before byte ${position + length}.`);
  }
}

/** Every input reads into buffers it is given; `read` allocates one and reads into it. */
export function withRead(input: Omit<ImageInput, 'read'>): ImageInput {
  return {
    ...input,
    async read(position, length) {
      const buffer = Buffer.allocUnsafeSlow(length);
      await input.readInto(buffer, position);
      return buffer;
    },
  };
}

/** An image held in memory (tests, fuzzing): the same rules as a file. */
export function memoryImageInput(path: string, bytes: Uint8Array): ImageInput {
  const size = bytes.byteLength;
  return withRead({
    path,
    size,
    files: [],
    async readInto(target, position) {
      checkReadRange(path, size, position, target.byteLength);
      target.set(bytes.subarray(position, position + target.byteLength));
    },
    stream: (start = 0) => Readable.from([Buffer.from(bytes.subarray(start))]),
    close: async () => {},
  });
}
