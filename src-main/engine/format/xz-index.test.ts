import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readVarint, readXzIndex } from './xz-index.js';

const xz = (data: Buffer, args: string[] = []) =>
  execFileSync('xz', ['-c', ...args], { input: data });

async function index(file: Buffer) {
  return readXzIndex(file.byteLength, async (pos, len) => file.subarray(pos, pos + len));
}

describe('xz index', () => {
  it('reads varints', () => {
    expect(readVarint(Buffer.from([0x7f]), 0)).toEqual([127, 1]);
    expect(readVarint(Buffer.from([0x80, 0x01]), 0)).toEqual([128, 2]);
    expect(() => readVarint(Buffer.from([0x80]), 0)).toThrow();
  });

  it('gives the uncompressed size of real xz files, multi-block and concatenated', async () => {
    const data = Buffer.alloc(3 * 2 ** 20, 'spillway');
    expect((await index(xz(data))).uncompressedSize).toBe(data.byteLength);
    const blocks = await index(xz(data, ['--block-size=1MiB']));
    expect(blocks.blocks).toHaveLength(3);
    expect(blocks.uncompressedSize).toBe(data.byteLength);
    const two = Buffer.concat([xz(data), Buffer.alloc(8), xz(data.subarray(5))]);
    expect((await index(two)).uncompressedSize).toBe(2 * data.byteLength - 5);
  });

  it('refuses a truncated file', async () => {
    const file = xz(Buffer.alloc(2 ** 20, 1));
    await expect(index(file.subarray(0, file.byteLength - 10))).rejects.toThrow(/truncated/);
  });
});
