// What two manifests of a drive say it shares: real frame hashes of real bytes (BLAKE3, as
// the backup records them), a few places changed between the two.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src-shared/manifest.js';
import { FrameHashList, frameHash } from '../digest/frame-hash.js';
import { sharedFrames } from './shared-frames.js';

const FRAME = 64 * 1024;

/** A manifest of `drive` as a backup at `level` (or the level of each frame) would record. */
function manifestOf(
  drive: Buffer,
  options: { frameSize?: number; codec?: 'zstd' | 'xz'; levels?: Manifest['codec']['levels'] } = {},
): Manifest {
  const frameSize = options.frameSize ?? FRAME;
  const frameCount = Math.ceil(drive.length / frameSize);
  const hashes = new FrameHashList(frameCount);
  for (let at = 0; at < drive.length; at += frameSize) {
    hashes.add(frameHash(drive.subarray(at, at + frameSize)));
  }
  const levels = options.levels ?? [{ from: 0, level: 3 }];
  return {
    format: 'spillway-image',
    formatVersion: 1,
    tool: { name: 'spillway', version: 'test' },
    createdAt: '2026-12-06T00:00:00Z',
    finishedAt: '2026-12-06T00:00:01Z',
    source: {
      path: '/dev/sdb',
      kind: 'device',
      serial: 'S1',
      model: 'Stick',
      size: drive.length,
      logicalSectorSize: 512,
      physicalSectorSize: 512,
    },
    partitionTable: null,
    mode: 'raw',
    codec: { name: options.codec ?? 'zstd', level: levels[0]!.level, levels },
    frameSize,
    frameCount,
    size: drive.length,
    streamSha256: '0'.repeat(64),
    frameHashes: hashes.encode(),
    dontCare: [],
    badRanges: [],
  };
}

/** The drive with `bytes` bytes changed (inverted, so surely changed) at each offset. */
function changed(drive: Buffer, writes: Array<[offset: number, bytes: number]>): Buffer {
  const copy = Buffer.from(drive);
  for (const [offset, bytes] of writes) {
    for (let i = offset; i < offset + bytes; i++) copy[i] = copy[i]! ^ 0xff;
  }
  return copy;
}

// Ten whole frames and a last one of 1000 bytes.
const drive = randomBytes(10 * FRAME + 1000);
const before = manifestOf(drive);

describe('frames an image shares with the one before', () => {
  it('counts the frames not written to, with their bytes', () => {
    // Frame 1; frames 4 and 5 (a write across their border); the short last frame.
    const after = changed(drive, [
      [FRAME + 10, 100],
      [5 * FRAME - 50, 100],
      [10 * FRAME + 5, 1],
    ]);
    expect(sharedFrames(manifestOf(after), before)).toEqual({
      comparable: true,
      framesShared: 7,
      framesTotal: 11,
      bytesShared: 7 * FRAME,
    });
  });

  it('an unchanged drive shares everything, the short last frame by its own length', () => {
    expect(sharedFrames(manifestOf(drive), before)).toEqual({
      comparable: true,
      framesShared: 11,
      framesTotal: 11,
      bytesShared: drive.length,
    });
  });

  it('a frame at another level is not shared, though its bytes are the same', () => {
    const adaptive = manifestOf(drive, {
      levels: [
        { from: 0, level: 3 },
        { from: 2, level: 1 },
        { from: 5, level: 3 },
      ],
    });
    expect(sharedFrames(adaptive, before)).toMatchObject({ framesShared: 8, framesTotal: 11 });
  });

  it('images at another level only are not comparable', () => {
    const other = manifestOf(drive, { levels: [{ from: 0, level: 9 }] });
    expect(sharedFrames(other, before)).toEqual({ comparable: false, reason: 'other-level' });
  });

  it('another codec, another frame size: not comparable', () => {
    expect(sharedFrames(manifestOf(drive, { codec: 'xz' }), before)).toEqual({
      comparable: false,
      reason: 'other-codec',
    });
    expect(sharedFrames(manifestOf(drive, { frameSize: 2 * FRAME }), before)).toEqual({
      comparable: false,
      reason: 'other-frame-size',
    });
  });

  it('another drive: another size, serial number or model', () => {
    const bigger = manifestOf(Buffer.concat([drive, Buffer.alloc(4096)]));
    expect(sharedFrames(bigger, before)).toEqual({ comparable: false, reason: 'other-drive' });
    const serial = manifestOf(drive);
    serial.source.serial = 'S2';
    expect(sharedFrames(serial, before)).toEqual({ comparable: false, reason: 'other-drive' });
    const model = manifestOf(drive);
    model.source.model = 'Other stick';
    expect(sharedFrames(model, before)).toEqual({ comparable: false, reason: 'other-drive' });
  });

  it('an image with no frame hashes (an older Spillway), or hashes of the wrong count', () => {
    const old = { ...before };
    delete old.frameHashes;
    expect(sharedFrames(manifestOf(drive), old)).toEqual({
      comparable: false,
      reason: 'no-frame-hashes',
    });
    const cut = {
      ...before,
      frameHashes: { algorithm: 'blake3' as const, hashes: before.frameHashes!.hashes.slice(0, 8) },
    };
    expect(sharedFrames(cut, before)).toEqual({ comparable: false, reason: 'no-frame-hashes' });
  });
});
