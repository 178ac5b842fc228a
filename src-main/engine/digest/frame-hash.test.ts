// The frame hashes go into the manifest and come back out as they were; a list that does not
// have one hash per frame, or of another algorithm, is treated as no list at all.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManifestSchema } from '../../../src-shared/manifest.js';
import { decodeFrameHashes, FrameHashList, frameHash, hashAt } from './frame-hash.js';

describe('frame hashes', () => {
  it('round-trip through the manifest encoding, in order, growing as needed', () => {
    const frames = Array.from({ length: 5 }, () => randomBytes(1000));
    const list = new FrameHashList(2);
    for (const frame of frames) list.add(frameHash(frame));
    const encoded = list.encode();
    expect(ManifestSchema.shape.frameHashes.parse(encoded)).toEqual(encoded);
    const decoded = decodeFrameHashes(encoded, frames.length)!;
    frames.forEach((frame, i) => expect(hashAt(decoded, i).equals(frameHash(frame))).toBe(true));
    expect(frameHash(frames[0]!).equals(frameHash(frames[1]!))).toBe(false);
  });

  it('are no hashes when their count or algorithm is not the image’s', () => {
    const list = new FrameHashList();
    list.add(frameHash(Buffer.from('a')));
    expect(decodeFrameHashes(list.encode(), 2)).toBeNull();
    expect(decodeFrameHashes({ ...list.encode(), algorithm: 'md5' }, 1)).toBeNull();
    expect(decodeFrameHashes(undefined, 1)).toBeNull();
    expect(() =>
      ManifestSchema.shape.frameHashes.parse({ algorithm: 'blake3', hashes: '!' }),
    ).toThrow();
  });
});
