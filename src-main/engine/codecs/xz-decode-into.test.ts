// xz streams made by the real xz, decoded straight into a buffer of the size the index says:
// the exact bytes back (also streams of several blocks, and concatenated streams); a flipped
// byte, a stream cut short, and a buffer of the wrong size each refused as corrupt, never
// half-filled in silence.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameCorruptError } from './frame-codec.js';
import { xzDecodeInto } from './xz-decode-into.js';

const MiB = 2 ** 20;
const data = Buffer.concat([randomBytes(MiB), Buffer.alloc(2 * MiB, 'spillway '), randomBytes(77)]);
const xz = (args: string[], input: Buffer) =>
  execFileSync('xz', ['-c', ...args], { input, maxBuffer: 64 * MiB });

/** Decodes into a shared buffer of `size` bytes, as the codec workers' slots are. */
function decode(stream: Buffer, size = data.byteLength): Buffer {
  const output = Buffer.from(new SharedArrayBuffer(size));
  xzDecodeInto(stream, output);
  return output;
}

describe('decoding xz into a given buffer', () => {
  it('gives the bytes back, from one block, several blocks, and two streams', () => {
    expect(decode(xz(['-1'], data)).equals(data)).toBe(true);
    expect(decode(xz(['-1', '--block-size=524288'], data)).equals(data)).toBe(true);
    const half = data.byteLength / 2;
    const two = Buffer.concat([
      xz(['-1'], data.subarray(0, half)),
      xz(['-1'], data.subarray(half)),
    ]);
    expect(decode(two).equals(data)).toBe(true);
  });

  it('refuses a flipped byte, a cut stream, and a stream of another size', () => {
    const stream = xz(['-1'], data);
    const flipped = Buffer.from(stream);
    flipped[Math.floor(flipped.byteLength / 2)]! ^= 0x10;
    expect(() => decode(flipped)).toThrow(FrameCorruptError);
    expect(() => decode(stream.subarray(0, stream.byteLength - 100))).toThrow(FrameCorruptError);
    expect(() => decode(stream.subarray(0, 1000))).toThrow(/ends after \d+ of/);
    expect(() => decode(stream, data.byteLength - 1)).toThrow(/holds more than/);
    expect(() => decode(stream, data.byteLength + 1)).toThrow(
      `the frame holds ${data.byteLength} bytes, the index says ${data.byteLength + 1}`,
    );
    expect(() => decode(Buffer.from('not xz at all'))).toThrow(/xz: File format not recognized/);
  });
});
