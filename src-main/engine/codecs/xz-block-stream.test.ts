// Each block of a real multi-block .xz file, made into a stream of its own, is decoded by the
// real xz to exactly its part of the data, with each kind of check; a damaged block is not.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storedBlockBytes, xzSingleBlockTail, xzStreamHeader } from './xz-block-stream.js';
import { readXzIndex, readXzIndexSync, type XzBlock } from './xz-index.js';

const xz = (data: Buffer, args: string[]) => execFileSync('xz', ['-c', ...args], { input: data });

/** Half random, half text: blocks that compress, each different. */
const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000, 'spillway xz ')]);

function blockStream(file: Buffer, block: XzBlock): Buffer {
  const stored = file.subarray(block.fileOffset, block.fileOffset + storedBlockBytes(block));
  return Buffer.concat([xzStreamHeader(block.streamFlags), stored, xzSingleBlockTail(block)]);
}

describe('an xz block as a stream of its own', () => {
  for (const check of ['crc64', 'crc32', 'sha256', 'none']) {
    it(`decodes with xz to its part of the data (check ${check})`, () => {
      const file = xz(data, ['-1', '--block-size=300000', `--check=${check}`]);
      const index = readXzIndexSync(file);
      expect(index.blocks).toHaveLength(4);
      let at = 0;
      for (const block of index.blocks) {
        const out = execFileSync('xz', ['-dc'], { input: blockStream(file, block) });
        expect(out.equals(data.subarray(at, at + block.uncompressedSize))).toBe(true);
        at += block.uncompressedSize;
      }
      expect(at).toBe(data.byteLength);
    });
  }

  it('is refused by xz when a byte of the block is damaged', () => {
    const file = xz(data, ['-1', '--block-size=300000']);
    const block = readXzIndexSync(file).blocks[2]!;
    const stream = blockStream(file, block);
    stream[12 + Math.floor(block.unpaddedSize / 2)]! ^= 0x01;
    const result = spawnSync('xz', ['-t'], { input: stream });
    expect(result.status).not.toBe(0);
  });

  it('is refused by xz when the index gives the block another size', () => {
    const file = xz(data, ['-1', '--block-size=300000']);
    const block = readXzIndexSync(file).blocks[1]!;
    const lying = { ...block, uncompressedSize: block.uncompressedSize - 1 };
    const stored = file.subarray(block.fileOffset, block.fileOffset + storedBlockBytes(block));
    const stream = Buffer.concat([
      xzStreamHeader(block.streamFlags),
      stored,
      xzSingleBlockTail(lying),
    ]);
    expect(spawnSync('xz', ['-t'], { input: stream }).status).not.toBe(0);
  });

  it('has a tail that the index reader reads back, for sizes up to 2^53', async () => {
    for (const [unpaddedSize, uncompressedSize] of [
      [5, 0],
      [127, 128],
      [2 ** 31 + 3, 2 ** 40],
      [2 ** 50 + 1, 2 ** 53 - 1],
    ] as const) {
      const block = { fileOffset: 12, unpaddedSize, uncompressedSize, streamFlags: 0x0400 };
      const header = xzStreamHeader(block.streamFlags);
      const tail = xzSingleBlockTail(block);
      // A file of the header, the block (never read: zeros here) and the tail.
      const size = 12 + storedBlockBytes(block) + tail.byteLength;
      const tailAt = size - tail.byteLength;
      const read = async (position: number, length: number) => {
        const out = Buffer.alloc(length);
        if (position < 12) header.copy(out, 0, position, position + length);
        if (position + length > tailAt) {
          tail.copy(out, Math.max(0, tailAt - position), Math.max(0, position - tailAt));
        }
        return out;
      };
      expect(await readXzIndex(size, read)).toEqual({ uncompressedSize, blocks: [block] });
    }
  });
});
