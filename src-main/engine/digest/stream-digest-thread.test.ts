// The stream digest on its own thread gives what `sha256sum` gives for the bytes it was sent,
// read in place from shared memory, and the frames digest of those frames; it ends cleanly.

import { createHash, randomFillSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SlotArena } from '../pool/slot-arena.js';
import { FramesDigest, frameXxh64, zeroFrameXxh64 } from './frame-digests.js';
import { StreamDigestThread } from './stream-digest-thread.js';

const FRAME = 64 * 1024;

describe('stream digest thread', () => {
  let thread: StreamDigestThread | undefined;
  afterEach(() => thread?.close());

  it('hashes frames from shared slots, in order, zeros included', async () => {
    thread = new StreamDigestThread();
    const arena = new SlotArena(FRAME, 3);
    const sha = createHash('sha256');
    const frames = new FramesDigest();
    // Random, all zeros (nothing read: its XXH64 is known), random, a short last frame.
    const plan = [
      { length: FRAME, zeros: false },
      { length: FRAME, zeros: true },
      { length: FRAME, zeros: false },
      { length: 1000, zeros: false },
    ];
    for (const { length, zeros } of plan) {
      const slot = await arena.acquire();
      const data = slot.bytes(length);
      if (zeros) data.fill(0);
      else randomFillSync(data);
      sha.update(data);
      frames.add(zeros ? zeroFrameXxh64(length) : frameXxh64(data));
      arena.hold(slot, thread.update(data, zeros));
      arena.release(slot);
    }
    expect(await thread.result()).toEqual({
      streamSha256: sha.digest('hex'),
      framesDigest: frames.hex(),
    });
  });

  it('refuses work once closed', async () => {
    thread = new StreamDigestThread();
    await thread.close();
    await expect(thread.update(new Uint8Array(8))).rejects.toThrow(/closed/);
    await expect(thread.result()).rejects.toThrow(/closed/);
  });
});
