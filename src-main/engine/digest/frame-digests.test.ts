// The stream's digests: the SHA-256 is that of the bytes, as `sha256sum` gives it; the frames
// digest binds each frame's XXH64 to its place; a check that decodes only some frames, the
// others being zeros, agrees with the digest over all of them.

import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FramesDigest,
  FramesDigestCheck,
  frameXxh64,
  StreamDigest,
  zeroFrameXxh64,
} from './frame-digests.js';

const frames = [randomBytes(4096), Buffer.alloc(4096), randomBytes(4096), Buffer.alloc(1000)];

function framesDigestOf(list: Buffer[]): string {
  const digest = new FramesDigest();
  for (const frame of list) digest.add(frameXxh64(frame));
  return digest.hex();
}

describe('frame digests', () => {
  it('takes the SHA-256 of the stream and the digest of its frames in one pass', () => {
    const stream = new StreamDigest();
    for (const frame of frames) stream.update(frame);
    const { streamSha256, framesDigest } = stream.result();
    expect(streamSha256).toBe(createHash('sha256').update(Buffer.concat(frames)).digest('hex'));
    expect(framesDigest).toBe(framesDigestOf(frames));
    // Two frames swapped: the same bytes per frame, another digest.
    expect(framesDigestOf([frames[2]!, frames[1]!, frames[0]!, frames[3]!])).not.toBe(framesDigest);
  });

  it('hashes zero frames of any size, pieces and edges alike, also once the kept sizes roll over', () => {
    // Sizes on both sides of the 1 MiB piece the zeros are hashed in; more sizes than are
    // kept, then the first ones again (recomputed after being dropped).
    const sizes = [0, 1, 4095, 2 ** 20 - 1, 2 ** 20, 2 ** 20 + 1, 3 * 2 ** 20 + 5, 4096, 7, 9, 11];
    for (const size of [...sizes, ...sizes]) {
      expect(zeroFrameXxh64(size), `${size} zeros`).toBe(frameXxh64(Buffer.alloc(size)));
    }
    expect(zeroFrameXxh64(4096)).not.toBe(zeroFrameXxh64(4095));
  });

  it('checks a selection of frames, counting the others as zeros', () => {
    const recorded = framesDigestOf(frames);
    const sizes = frames.map((f) => f.byteLength);
    const check = new FramesDigestCheck(sizes, recorded);
    check.add(0, frameXxh64(frames[0]!));
    check.add(2, frameXxh64(frames[2]!));
    expect(check.matches()).toBe(true);

    // Leaving out a frame that is not zeros does not pass.
    const missing = new FramesDigestCheck(sizes, recorded);
    missing.add(2, frameXxh64(frames[2]!));
    expect(missing.matches()).toBe(false);
    expect(() => missing.add(1, 0n)).toThrow(/in order/);
  });
});
