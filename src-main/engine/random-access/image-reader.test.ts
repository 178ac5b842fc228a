// Random access against the bytes the images were made from: every codec (its index inside
// or beside the image), a plain .img, split parts; what each read decodes (counted), the
// cache's bound, "don't care" ranges read as zeros without decoding, a damaged frame named
// while the rest stays readable, many reads at once through a small cache, and an image
// made by another tool refused with the reason.

import { randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { backup } from '../backup/backup.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import type { CodecName } from '../../../src-shared/manifest.js';
import { openImage } from '../image/open-image.js';
import { quietContext } from '../jobs/job-context.js';
import { CodecPool } from '../pool/codec-pool.js';
import { INLINE_FRAMES, openImageReader, type ImageReader } from './image-reader.js';

const MIB = 2 ** 20;
const FRAME = MIB;
/** 20 frames of random bytes, 4 of zeros, and an odd tail (a short last frame). */
const SIZE = 24 * MIB + 12345;

describe('random access to an image', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: Buffer;
  let sourcePath: string;
  let pool: CodecPool;

  async function make(name: string, options: Partial<Parameters<typeof backup>[0]> = {}) {
    const destination = join(dir.path, name);
    await backup(
      {
        source: sourcePath,
        destination,
        mode: 'raw',
        frameSize: FRAME,
        threads: 2,
        spill: false,
        ...options,
      },
      quietContext(),
    );
    return destination;
  }

  /** One image per codec, made by the first test that needs it (xz takes half a minute). */
  const byCodec = new Map<CodecName, Promise<string>>();
  function imageOf(codec: CodecName): Promise<string> {
    let made = byCodec.get(codec);
    if (!made) {
      made = make(`disk${CODEC_INFO[codec].extension}`, { codec });
      byCodec.set(codec, made);
    }
    return made;
  }

  /** Reads at the start, the end, inside a frame, across frames, and empty reads. */
  async function expectSameBytes(reader: ImageReader) {
    expect(reader.size).toBe(SIZE);
    const reads: Array<[number, number]> = [
      [0, 512],
      [FRAME - 100, 200],
      [3 * FRAME + 17, 2 * FRAME + 5],
      [19 * FRAME, 2 * FRAME],
      [SIZE - 4096, 4096],
      [SIZE - 1, 1],
      [5 * FRAME, 0],
    ];
    for (const [offset, length] of reads) {
      const got = await reader.read(offset, length);
      expect(got.equals(source.subarray(offset, offset + length)), `${offset}+${length}`).toBe(
        true,
      );
    }
    await expect(reader.read(SIZE - 10, 11)).rejects.toThrow(/outside the drive/);
  }

  beforeAll(async () => {
    dir = await tempDir();
    source = Buffer.concat([randomBytes(20 * MIB), Buffer.alloc(4 * MIB), randomBytes(12345)]);
    sourcePath = join(dir.path, 'disk.bin');
    await writeFile(sourcePath, source);
    pool = new CodecPool(2);
  });

  afterAll(async () => {
    await pool?.close();
    await dir?.remove();
  });

  for (const codec of ['zstd', 'lz4', 'gzip', 'xz', 'none'] as const) {
    it(`reads any range of a ${codec} image (index ${CODEC_INFO[codec].index === 'in-file' ? 'inside' : 'beside it'})`, async () => {
      const image = await imageOf(codec);
      const reader = await openImageReader(image, { pool });
      try {
        await expectSameBytes(reader);
        expect(reader.stats.framesDecoded).toBeGreaterThan(0);
      } finally {
        await reader.close();
      }
    });
  }

  it('decodes only the frames a read needs, once, and keeps a bounded number', async () => {
    const image = await make('counted.img.zst');
    const reader = await openImageReader(image, { pool, cacheBytes: 4 * FRAME, readAhead: 0 });
    try {
      expect(reader.cachedFrames).toBe(4);
      await reader.read(2 * FRAME + 10, 1000);
      expect(reader.stats.framesDecoded).toBe(1);
      await reader.read(2 * FRAME + 5000, 1000);
      expect(reader.stats).toMatchObject({ framesDecoded: 1, cacheHits: 1 });
      // Three frames in one read: decoded together.
      const across = await reader.read(5 * FRAME + 10, 2 * FRAME + 100);
      expect(across.equals(source.subarray(5 * FRAME + 10, 7 * FRAME + 110))).toBe(true);
      expect(reader.stats.framesDecoded).toBe(4);
      // Ten more frames: only four are kept, so the first one is decoded again.
      for (let i = 10; i < 20; i++) await reader.read(i * FRAME, 10);
      expect(reader.stats.framesDecoded).toBe(14);
      await reader.read(2 * FRAME, 10);
      expect(reader.stats.framesDecoded).toBe(15);
      // A read larger than the whole cache still comes back whole and right.
      const all = await reader.read(0, SIZE);
      expect(all.equals(source)).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('decodes the next frames ahead of a reader that goes on where it stopped', async () => {
    const image = await make('ahead.img.zst');
    const reader = await openImageReader(image, { pool, readAhead: 2 });
    try {
      // Six frames in chunks of 256 KiB: once 2 MiB were read end to end, the next frames
      // are decoded (or being decoded) before they are read.
      for (let at = 0; at < 6 * FRAME; at += 256 * 1024) {
        const chunk = await reader.read(at, 256 * 1024);
        expect(chunk.equals(source.subarray(at, at + 256 * 1024))).toBe(true);
      }
      const misses = () => reader.stats.reads - reader.stats.cacheHits;
      expect(misses()).toBe(2);
      // A small read somewhere else is not sequential: the frame after it is not decoded ahead.
      await reader.read(15 * FRAME, 100);
      expect(misses()).toBe(3);
      await reader.read(16 * FRAME, 100);
      expect(misses()).toBe(4);
    } finally {
      await reader.close();
    }
  });

  it('answers many reads at once through a small cache, every one right', async () => {
    const image = await make('busy.img.zst');
    const reader = await openImageReader(image, { pool, cacheBytes: 4 * FRAME });
    try {
      let seed = 7;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const reads = Array.from({ length: 200 }, () => {
        const offset = Math.floor(next() * (SIZE - 3 * FRAME));
        return [offset, Math.floor(next() * 3 * FRAME)] as const;
      });
      const results = await Promise.all(reads.map(([o, l]) => reader.read(o, l)));
      results.forEach((got, i) => {
        const [o, l] = reads[i]!;
        expect(got.equals(source.subarray(o, o + l)), `read ${i}`).toBe(true);
      });
    } finally {
      await reader.close();
    }
  });

  it('reads a plain .img as it is, and a split image across its parts', async () => {
    const raw = join(dir.path, 'plain.img');
    await writeFile(raw, source);
    const plain = await openImageReader(raw);
    try {
      await expectSameBytes(plain);
      expect(plain.stats.framesDecoded).toBe(0);
    } finally {
      await plain.close();
    }
    const split = await make('split.img.zst', { split: 5 * MIB });
    await sh(`test -f ${q(split)}.000 && test -f ${q(split)}.002`);
    const parts = await openImageReader(`${split}.000`, { pool });
    try {
      await expectSameBytes(parts);
    } finally {
      await parts.close();
    }
  });

  it('reads "don\'t care" ranges as zeros without decoding anything', async () => {
    // ext4 on the whole file: used mode leaves its free blocks out of the image.
    const disk = join(dir.path, 'ext4.bin');
    await sh(`truncate -s 64M ${q(disk)} && mkfs.ext4 -q -F ${q(disk)}`);
    const image = await make('ext4.img.zst', { source: disk, mode: 'used' });
    const reader = await openImageReader(image, { pool, readAhead: 0 });
    try {
      const dontCare = reader.manifest!.dontCare;
      const [start, end] = dontCare.find(([s, e]) => e - s >= 2 * FRAME)!;
      const zeros = await reader.read(start, end - start);
      expect(zeros.equals(Buffer.alloc(end - start))).toBe(true);
      expect(reader.stats.framesDecoded).toBe(0);
      const superblock = await reader.read(1024, 1024);
      expect(superblock.readUInt16LE(0x38)).toBe(0xef53);
      expect(reader.stats.framesDecoded).toBe(1);
    } finally {
      await reader.close();
    }
  });

  it('names a damaged frame and still reads the others', async () => {
    const image = await make('damaged.img.zst');
    const opened = await openImage(image);
    const frame = opened.layout === 'indexed' ? opened.frames[3]! : null;
    await opened.input.close();
    const handle = await open(image, 'r+');
    const middle = frame!.fileOffset + Math.floor(frame!.compressedSize / 2);
    await handle.write(Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, middle);
    await handle.close();
    const reader = await openImageReader(image, { pool });
    try {
      await expect(reader.read(3 * FRAME + 5, 10)).rejects.toMatchObject({
        code: 'image-damaged',
        message: expect.stringContaining(`drive bytes ${3 * FRAME}–${4 * FRAME}`),
      });
      const other = await reader.read(5 * FRAME, 100);
      expect(other.equals(source.subarray(5 * FRAME, 5 * FRAME + 100))).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('without a pool: the first frames decode on this thread, later ones on workers', async () => {
    const image = await make('inline.img.zst');
    const reader = await openImageReader(image, { threads: 2, readAhead: 0 });
    try {
      // A listing's worth of small reads, one frame each: no worker is needed for them.
      for (let i = 0; i < INLINE_FRAMES; i++) {
        const got = await reader.read(i * FRAME + 7, 100);
        expect(got.equals(source.subarray(i * FRAME + 7, i * FRAME + 107))).toBe(true);
      }
      expect(reader.stats).toMatchObject({
        framesDecoded: INLINE_FRAMES,
        framesDecodedInline: INLINE_FRAMES,
      });
      // Past them, the pool decodes, and the bytes are the same.
      const more = await reader.read(12 * FRAME - 50, 2 * FRAME);
      expect(more.equals(source.subarray(12 * FRAME - 50, 14 * FRAME - 50))).toBe(true);
      expect(reader.stats).toMatchObject({
        framesDecoded: INLINE_FRAMES + 3,
        framesDecodedInline: INLINE_FRAMES,
      });
    } finally {
      await reader.close();
    }
  });

  for (const codec of ['lz4', 'gzip', 'xz', 'none'] as const) {
    it(`decodes a ${codec} frame on this thread as the workers do`, async () => {
      const image = await imageOf(codec);
      const reader = await openImageReader(image, { threads: 1 });
      try {
        const got = await reader.read(FRAME - 100, 200);
        expect(got.equals(source.subarray(FRAME - 100, FRAME + 100))).toBe(true);
        expect(reader.stats.framesDecodedInline).toBe(2);
      } finally {
        await reader.close();
      }
    });
  }

  it('names a damaged frame decoded on this thread too', async () => {
    const image = await make('damaged-inline.img.zst');
    const opened = await openImage(image);
    const frame = opened.layout === 'indexed' ? opened.frames[3]! : null;
    await opened.input.close();
    const handle = await open(image, 'r+');
    await handle.write(Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, frame!.fileOffset + 100);
    await handle.close();
    const reader = await openImageReader(image, { threads: 1 });
    try {
      await expect(reader.read(3 * FRAME + 5, 10)).rejects.toMatchObject({
        code: 'image-damaged',
        message: expect.stringContaining(`drive bytes ${3 * FRAME}–${4 * FRAME}`),
      });
      expect(reader.stats.framesDecoded).toBe(0);
    } finally {
      await reader.close();
    }
  });

  it('refuses an image without an index, saying why', async () => {
    const stream = join(dir.path, 'foreign.img.zst');
    await sh(`zstd -q -c ${q(sourcePath)} > ${q(stream)}`);
    await expect(openImageReader(stream)).rejects.toMatchObject({
      code: 'image-not-indexed',
      message: expect.stringMatching(/made by another program and has no index/),
    });
    // The bytes are still a good image: nothing was changed.
    expect((await readFile(stream)).length).toBeGreaterThan(0);
  });
});
