// The LZ4 frames Spillway writes itself (header, blocks from lz4-napi, XXH32 content
// checksum), checked by the real tools: `lz4 -dc` gives the bytes back and `xxhsum -H0`
// agrees with the checksum the index records. Frames of one block, of several (a frame
// larger than a 4 MiB block), stored blocks (random bytes), and empty frames.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { lz4FrameOutputBound } from './lz4-frame-format.js';
import { CODEC_INFO } from './codec-info.js';
import { createLz4FrameCodec } from './lz4-frame.js';

const MiB = 2 ** 20;
const text = (bytes: number) => Buffer.alloc(bytes, 'a line of text in a file, and another\n');

const CASES: Record<string, () => Buffer> = {
  'one compressed block': () => text(4 * MiB),
  'one stored block (random bytes)': () => randomBytes(4 * MiB),
  'three blocks, the second one stored': () =>
    Buffer.concat([text(4 * MiB), randomBytes(4 * MiB), text(MiB + 17)]),
  'a short frame': () => Buffer.from('spillway'),
  'an empty frame': () => Buffer.alloc(0),
};

describe('lz4 frames', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const codec = createLz4FrameCodec();

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  for (const [name, make] of Object.entries(CASES)) {
    it(`${name}: lz4 -dc and xxhsum agree, and it decodes back`, async () => {
      const input = make();
      const output = new Uint8Array(CODEC_INFO.lz4.bound(input.byteLength));
      const { length, checksum } = codec.compress(input, 1, output);
      const frame = output.subarray(0, length);
      expect(length).toBeLessThanOrEqual(
        input.byteLength + 4 * Math.ceil(input.byteLength / (4 * MiB)) + 15,
      );
      // The descriptor Spillway's lz4 images have always had: independent 4 MiB blocks,
      // content checksum (and its header checksum).
      expect(Buffer.from(frame.subarray(0, 7)).toString('hex')).toBe('04224d186470b9');
      expect(lz4FrameOutputBound(frame)).toBeGreaterThanOrEqual(input.byteLength);

      const file = join(dir.path, 'frame.lz4');
      await writeFile(file, frame);
      await sh(`lz4 -dc ${q(file)} > ${q(`${file}.out`)}`);
      expect((await readFile(`${file}.out`)).equals(input)).toBe(true);
      await writeFile(`${file}.in`, input);
      const xxh = (await sh(`xxhsum -H0 ${q(`${file}.in`)}`)).split(' ')[0];
      expect(checksum?.toString(16).padStart(8, '0')).toBe(xxh);

      const back = new Uint8Array(input.byteLength);
      codec.decompress(frame, back, checksum);
      expect(Buffer.from(back).equals(input)).toBe(true);
    });
  }
});
