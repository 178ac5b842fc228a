// Multi-block .xz files (made by the real xz) decoded several blocks at once on real codec
// workers: the same bytes as xz gives, in order, each block left intact while the caller may
// hold it; a damaged middle block stops the run there, after every block before it; files of
// one block, or of blocks too large for two at once, stream instead.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImageFile } from '../endpoints/file/input.js';
import { readXzIndexSync, type XzIndex } from '../codecs/xz-index.js';
import type { StreamImage } from '../format/image-layout.js';
import { CodecPool } from '../pool/codec-pool.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { SpillwayError } from '../errors.js';
import { decodeBlocks } from './stream-decoder.js';
import { BLOCK_BUDGET, decodeXzBlocks, planXzBlocks, XzBlockDamage } from './xz-blocks.js';

const MiB = 2 ** 20;

/** An index of `count` blocks of `size` bytes, each stored in `stored` bytes. */
function indexOf(count: number, size: number, stored = size): XzIndex {
  const blocks = Array.from({ length: count }, (_, i) => ({
    fileOffset: 12 + i * stored,
    unpaddedSize: stored,
    uncompressedSize: size,
    streamFlags: 0x0400,
  }));
  return { uncompressedSize: count * size, blocks };
}

describe('planning the blocks of an xz file', () => {
  it('decodes xz -T0 -6 blocks (24 MiB) three at once on 2 threads, within the budget', () => {
    const plan = planXzBlocks(indexOf(40, 24 * MiB), 2);
    expect(plan).toMatchObject({ inFlight: 3, outputBytes: 24 * MiB });
    if (!('blocks' in plan)) throw new Error('no plan');
    const memory = (plan.inFlight + 2) * plan.outputBytes + plan.inFlight * plan.inputBytes;
    expect(memory).toBeLessThanOrEqual(BLOCK_BUDGET);
    // More threads: no more than the budget holds.
    const wide = planXzBlocks(indexOf(40, 24 * MiB), 32);
    expect(wide).toMatchObject({ inFlight: 4 });
  });

  it('streams a file of one block, and blocks too large for two at once', () => {
    expect(planXzBlocks(indexOf(1, 24 * MiB), 2)).toEqual({
      reason: 'the file holds one xz block',
    });
    expect(planXzBlocks(indexOf(8, 64 * MiB), 2)).toEqual({
      reason: 'its xz blocks are too large to decode two at once',
    });
    expect(planXzBlocks(indexOf(8, 3 * MiB), 1)).toEqual({ reason: 'one thread' });
  });
});

describe('decoding xz blocks on the worker pool', () => {
  const pool = new CodecPool(2);
  let dir: Awaited<ReturnType<typeof tempDir>>;
  /** 5.1 MiB: random bytes and text, so blocks compress unevenly. */
  const data = Buffer.concat([
    randomBytes(MiB),
    Buffer.alloc(3 * MiB, 'spillway '),
    randomBytes(MiB),
    Buffer.alloc(100 * 1024, 'end '),
  ]);
  const xz = (args: string[], input: Buffer) =>
    execFileSync('xz', ['-c', ...args], { input, maxBuffer: 64 * MiB });
  let path: string;

  beforeAll(async () => {
    dir = await tempDir('spillway-xz-blocks-');
    path = `${dir.path}/data.xz`;
    // What xz -T0 does, by block size: blocks of 512 KiB, eleven of them.
    await writeFile(path, xz(['-0', '--block-size=524288'], data));
  });
  afterAll(async () => {
    await pool.close();
    await dir?.remove();
  });

  async function imageAt(file: string): Promise<StreamImage> {
    return { layout: 'stream', codec: 'xz', input: await openImageFile(file) };
  }

  it('gives the bytes xz gives, in order, each block intact while the caller holds it', async () => {
    const image = await imageAt(path);
    try {
      const index = readXzIndexSync(await image.input.read(0, image.input.size));
      const plan = planXzBlocks(index, pool.size);
      if (!('blocks' in plan)) throw new Error(plan.reason);
      let read = 0;
      const taken: Array<{ block: Buffer; at: number }> = [];
      let at = 0;
      for await (const block of decodeXzBlocks(image, plan, {
        pool,
        signal: new AbortController().signal,
        onRead: (n) => (read += n),
      })) {
        taken.push({ block, at });
        at += block.byteLength;
        // The two blocks the caller may hold are still what they were.
        for (const held of taken.slice(-2)) {
          expect(held.block.equals(data.subarray(held.at, held.at + held.block.byteLength))).toBe(
            true,
          );
        }
      }
      expect(taken).toHaveLength(11);
      expect(at).toBe(data.byteLength);
      expect(read).toBeGreaterThan(0);
    } finally {
      await image.input.close();
    }
  });

  it('stops at a damaged middle block, after every block before it, with where it is', async () => {
    const damaged = `${dir.path}/damaged.xz`;
    const bytes = xz(['-0', '--block-size=524288'], data);
    const block = readXzIndexSync(bytes).blocks[5]!;
    bytes[block.fileOffset + Math.floor(block.unpaddedSize / 2)]! ^= 0x10;
    await writeFile(damaged, bytes);
    const image = await imageAt(damaged);
    let decoded = 0;
    try {
      const blocks = decodeBlocks(image, 4 * MiB, () => {}, new AbortController().signal, pool);
      const error = await (async () => {
        for await (const b of blocks) decoded += b.byteLength;
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpillwayError);
      expect((error as SpillwayError).code).toBe('image-damaged');
      expect((error as Error).message).toMatch(
        /is damaged: decoding failed in xz block 6 of 11, after 2621440 bytes \(xz: .+\)\.$/,
      );
      expect(decoded).toBe(5 * 512 * 1024);
    } finally {
      await image.input.close();
    }
  });

  it('through decodeBlocks: multi-block files by block, a file of one block in 4 MiB pieces', async () => {
    const single = `${dir.path}/single.xz`;
    await writeFile(single, xz(['-0'], data));
    for (const [file, sizes] of [
      [path, [...Array(10).fill(512 * 1024), 100 * 1024]],
      [single, [4 * MiB, MiB + 100 * 1024]],
    ] as const) {
      const image = await imageAt(file);
      try {
        const got: Buffer[] = [];
        for await (const b of decodeBlocks(
          image,
          4 * MiB,
          () => {},
          new AbortController().signal,
          pool,
        )) {
          got.push(Buffer.from(b));
        }
        expect(Buffer.concat(got).equals(data)).toBe(true);
        expect(got.map((b) => b.byteLength)).toEqual(sizes);
      } finally {
        await image.input.close();
      }
    }
  });

  it('refuses a damaged block with XzBlockDamage naming it', () => {
    expect(new XzBlockDamage(2, 9, 100, 'xz: Data is corrupt').message).toBe(
      'decoding failed in xz block 3 of 9, after 100 bytes (xz: Data is corrupt)',
    );
  });
});
