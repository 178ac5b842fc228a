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

  it('gives each block its stream flags (the check), stream by stream', async () => {
    const data = Buffer.alloc(2 ** 20, 'xz');
    const two = Buffer.concat([xz(data, ['--check=crc32']), xz(data, ['--check=sha256'])]);
    const flags = (await index(two)).blocks.map((b) => b.streamFlags);
    expect(flags).toEqual([0x0100, 0x0a00]);
  });

  it('refuses an index, footer or header whose CRC32 does not match, as damage', async () => {
    const file = xz(Buffer.alloc(2 ** 20, 3), ['--block-size=300000']);
    const footer = file.byteLength - 12;
    const indexStart = footer - (file.readUInt32LE(footer + 4) + 1) * 4;
    const flipped = (at: number) => {
      const copy = Buffer.from(file);
      copy[at]! ^= 0x01;
      return index(copy);
    };
    // A record of the index (the first block's uncompressed size), the footer's backward
    // size's CRC, the header's flags (then they disagree with the footer's).
    await expect(flipped(indexStart + 4)).rejects.toThrow(/index is damaged/);
    await expect(flipped(footer)).rejects.toThrow(/footer is damaged/);
    await expect(flipped(7)).rejects.toThrow(/header and footer disagree/);
    await expect(flipped(9)).rejects.toThrow(/header is damaged/);
  });
});
