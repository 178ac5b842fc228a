import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FramePacker } from './frame-packer.js';

const FRAME = 2 ** 20;

describe('FramePacker', () => {
  it('stores a compressible frame compressed and gives it back exactly', () => {
    const packer = new FramePacker(FRAME);
    const frame = Buffer.alloc(FRAME);
    randomBytes(FRAME / 4).copy(frame, 0);
    const packed = packer.pack(frame);
    expect(packed.compressed).toBe(true);
    expect(packed.bytes.byteLength).toBeLessThan(FRAME / 3);
    const back = Buffer.alloc(FRAME);
    packer.unpack(Buffer.from(packed.bytes), back, packed.checksum);
    expect(back.equals(frame)).toBe(true);
  });

  it('stores a frame that does not shrink as it is', () => {
    const frame = randomBytes(FRAME);
    const packed = new FramePacker(FRAME).pack(frame);
    expect(packed.compressed).toBe(false);
    expect(packed.bytes).toBe(frame);
  });

  it('refuses a damaged stored frame instead of handing on wrong bytes', () => {
    const packer = new FramePacker(FRAME);
    const frame = Buffer.alloc(FRAME, 7);
    const packed = packer.pack(frame);
    const damaged = Buffer.from(packed.bytes);
    damaged[damaged.length - 1]! ^= 0xff;
    expect(() => packer.unpack(damaged, Buffer.alloc(FRAME), packed.checksum)).toThrow();
  });
});
