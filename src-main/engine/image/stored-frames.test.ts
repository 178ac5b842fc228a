// hashStoredFrames against a one-shot XXH64 of each frame, on a real file: frames far
// smaller than a read chunk, frames crossing chunk boundaries, one larger than a chunk, and
// frames out of the file's order (the read ahead is then of the wrong place).

import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xxh64 } from '@node-rs/xxhash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/temp-dir.js';
import { openImageFile } from '../endpoints/file/input.js';
import type { ImageInput } from '../endpoints/image-input.js';
import type { IndexedFrame } from '../format/image-layout.js';
import { hashStoredFrames } from './stored-frames.js';

const MIB = 2 ** 20;

/** Frames at these [fileOffset, compressedSize] (drive places do not matter here). */
const framesAt = (spans: Array<[number, number]>): IndexedFrame[] =>
  spans.map(([fileOffset, compressedSize], index) => ({
    index,
    fileOffset,
    compressedSize,
    driveOffset: index * MIB,
    size: MIB,
    checksum: null,
  }));

describe('hashStoredFrames', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let bytes: Buffer;
  let input: ImageInput;

  beforeAll(async () => {
    dir = await tempDir();
    bytes = randomBytes(40 * MIB + 777);
    const path = join(dir.path, 'image.bin');
    await writeFile(path, bytes);
    input = await openImageFile(path);
  });
  afterAll(async () => {
    await input?.close();
    await dir?.remove();
  });

  async function hashes(frames: IndexedFrame[]) {
    const got: bigint[] = [];
    let read = 0;
    await hashStoredFrames(
      input,
      frames,
      (frame, digest) => (got[frame.index] = digest),
      (n) => (read += n),
      new AbortController().signal,
    );
    const want = frames.map((f) =>
      xxh64(bytes.subarray(f.fileOffset, f.fileOffset + f.compressedSize), 0n),
    );
    return { got, want, read };
  }

  it('gives each frame its XXH64 across chunk boundaries, reading each byte once', async () => {
    const spans: Array<[number, number]> = [];
    let at = 0;
    const add = (size: number) => {
      spans.push([at, size]);
      at += size;
    };
    // Tiny frames (as frames of zeros compress to), then ones that straddle 16 MiB chunks,
    // then one larger than a chunk, then the rest.
    for (let i = 0; i < 300; i++) add(17 + (i % 5));
    for (const size of [3 * MIB + 1, 5 * MIB, 7 * MIB + 3, 20 * MIB]) add(size);
    add(bytes.byteLength - at);
    const { got, want, read } = await hashes(framesAt(spans));
    expect(got).toEqual(want);
    expect(read).toBe(bytes.byteLength);
  });

  it('gives the same digests when frames are out of the file order', async () => {
    const frames = framesAt([
      [30 * MIB, MIB],
      [MIB, 2 * MIB],
      [17 * MIB - 5, 10],
      [0, 100],
      [39 * MIB, MIB + 777],
    ]);
    const { got, want } = await hashes(frames);
    expect(got).toEqual(want);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      hashStoredFrames(
        input,
        framesAt([[0, MIB]]),
        () => {},
        () => {},
        controller.signal,
      ),
    ).rejects.toThrow();
  });
});
