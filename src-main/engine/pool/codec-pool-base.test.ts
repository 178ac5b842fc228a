// The codec workers hash every frame they compress (BLAKE3, what the manifest records), and,
// given the earlier image's frame at the same place, reuse it only when its hash is the
// frame's and its stored bytes decode to exactly the frame's bytes. Real workers, real zstd.

import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { frameXxh64 } from '../digest/frame-digests.js';
import { frameHash } from '../digest/frame-hash.js';
import { CodecPool } from './codec-pool.js';
import { SlotArena, type Slot } from './slot-arena.js';

const FRAME = 256 * 1024;

describe('codec pool with a base frame', () => {
  const pool = new CodecPool(2);
  afterAll(() => pool.close());
  const inputs = new SlotArena(FRAME, 2);
  const outputs = new SlotArena(CODEC_INFO.zstd.bound(FRAME), 2);
  const stored = new SlotArena(CODEC_INFO.zstd.bound(FRAME), 1);

  /** A frame of random bytes (half zeros, so it compresses), and its zstd frame. */
  async function frameAndBase(): Promise<{ input: Slot; base: Buffer; checksum: number }> {
    const input = await inputs.acquire();
    randomFillSync(input.bytes(FRAME / 2));
    input.bytes().fill(0, FRAME / 2);
    const out = await outputs.acquire();
    const done = await pool.compress('zstd', 3, input, FRAME, out);
    const base = Buffer.from(done.bytes);
    outputs.release(out);
    return { input, base, checksum: done.checksum! };
  }

  async function withBase(
    input: Slot,
    base: Buffer,
    hash: Uint8Array,
    checksum: number,
    storedXxh64?: bigint,
  ) {
    const slot = await stored.acquire();
    slot.bytes().set(base);
    const out = await outputs.acquire();
    try {
      const storedLength = base.byteLength;
      const done = await pool.compress('zstd', 3, input, FRAME, out, {
        stored: slot,
        storedLength,
        hash,
        checksum,
        ...(storedXxh64 !== undefined ? { storedXxh64 } : {}),
      });
      // The bytes to write: the base's stored frame when reused, else the new one.
      return {
        ...done,
        bytes: Buffer.from(done.bytes),
        fromBaseSlot: done.bytes.buffer === slot.bytes().buffer,
      };
    } finally {
      outputs.release(out);
      stored.release(slot);
    }
  }

  it('hashes each frame it compresses with BLAKE3', async () => {
    const { input } = await frameAndBase();
    const out = await outputs.acquire();
    const done = await pool.compress('zstd', 3, input, FRAME, out);
    outputs.release(out);
    const require = createRequire(import.meta.url);
    const { blake3 } = require('@napi-rs/blake-hash') as { blake3(data: Uint8Array): Buffer };
    expect(Buffer.from(done.hash).equals(blake3(input.bytes(FRAME)))).toBe(true);
    expect(Buffer.from(done.hash).equals(frameHash(input.bytes(FRAME)))).toBe(true);
    inputs.release(input);
  });

  it('reuses an equal base frame, compresses a changed one, catches a damaged one', async () => {
    const { input, base, checksum } = await frameAndBase();
    const hash = frameHash(input.bytes(FRAME));

    const same = await withBase(input, base, hash, checksum);
    expect(same.base).toBe('reused');
    expect(same.fromBaseSlot).toBe(true);
    expect(same.bytes.equals(base)).toBe(true);
    expect(same.checksum).toBe(checksum);

    // Another hash: compressed, not decoded.
    const other = await withBase(input, base, frameHash(Buffer.from('other')), checksum);
    expect(other.base).toBe('changed');
    expect(other.fromBaseSlot).toBe(false);
    expect(Buffer.from(other.bytes).equals(base)).toBe(true);

    // The hash agrees but the stored bytes are damaged: compressed anew.
    const damaged = Buffer.from(base);
    damaged[Math.floor(damaged.byteLength / 2)]! ^= 0xff;
    const caught = await withBase(input, damaged, hash, checksum);
    expect(caught.base).toBe('damaged');
    expect(caught.fromBaseSlot).toBe(false);
    expect(Buffer.from(caught.bytes).equals(base)).toBe(true);

    // With the stored bytes' XXH64 recorded, they are checked by it instead of decoded.
    const recorded = frameXxh64(base);
    expect((await withBase(input, base, hash, checksum, recorded)).base).toBe('reused');
    const byDigest = await withBase(input, damaged, hash, checksum, recorded);
    expect(byDigest.base).toBe('damaged');
    expect(byDigest.bytes.equals(base)).toBe(true);
    inputs.release(input);
  });

  it('gives the XXH64 of the bytes to store, compressed or reused, for the image writer', async () => {
    const { input, base, checksum } = await frameAndBase();
    const hash = frameHash(input.bytes(FRAME));
    for (const recorded of [undefined, frameXxh64(base)]) {
      const reused = await withBase(input, base, hash, checksum, recorded);
      expect(reused.base).toBe('reused');
      expect(reused.storedXxh64).toBe(frameXxh64(base));
    }
    const changed = await withBase(input, base, frameHash(Buffer.from('other')), checksum);
    expect(changed.storedXxh64).toBe(frameXxh64(changed.bytes));
    inputs.release(input);
  });

  it('a frame said to hold only zeros gets the hash of its zeros, and is reused by it', async () => {
    const input = await inputs.acquire();
    input.bytes().fill(0);
    const zerosHash = frameHash(input.bytes(FRAME));
    for (const size of [FRAME, FRAME / 4]) {
      const out = await outputs.acquire();
      const done = await pool.compress('zstd', 3, input, size, out, undefined, true);
      outputs.release(out);
      expect(Buffer.from(done.hash).equals(frameHash(input.bytes(size)))).toBe(true);
    }
    const out = await outputs.acquire();
    const first = await pool.compress('zstd', 3, input, FRAME, out);
    const base = Buffer.from(first.bytes);
    outputs.release(out);
    const slot = await stored.acquire();
    slot.bytes().set(base);
    const again = await outputs.acquire();
    const reused = await pool.compress(
      'zstd',
      3,
      input,
      FRAME,
      again,
      { stored: slot, storedLength: base.byteLength, hash: zerosHash, checksum: first.checksum },
      true,
    );
    expect(reused.base).toBe('reused');
    outputs.release(again);
    stored.release(slot);
    inputs.release(input);
  });
});
