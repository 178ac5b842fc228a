// Fuzzing the xz index reader (see test-support/fuzz.ts): files made by the xz tool (several
// blocks, several streams with stream padding between them, no check and SHA-256 checks) and
// Spillway's xz frames (one stream each), mutated mostly in their ends: the stream footer,
// the index (its record count, its records, its CRC) and the padding, and cut short. The
// index must come back sound (blocks in file order inside the file, sizes that add up) or be
// refused with a FormatError; the reader reads only inside the file.

import { readFile, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SidecarSchema } from '../../../src-shared/sidecar.js';
import { makeSourceDisk, spillwayImage, toolOutput } from '../../test-support/fuzz-images.js';
import {
  boundedRead,
  FuzzDevice,
  fuzzOptions,
  mutations,
  outcomeOf,
  Tally,
  type Field,
  type MutationSpace,
} from '../../test-support/fuzz.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { FormatError } from '../format-error.js';
import { xzSingleBlockTail, xzStreamHeader } from './xz-block-stream.js';
import { readXzIndex, readXzIndexSync, type XzIndex } from './xz-index.js';

const RUNS = 1500;

/** Throws unless `index` is sound for a file of `size` bytes. */
function checkIndex(index: XzIndex, size: number): void {
  let end = 12; // after the first stream header
  let total = 0;
  for (const b of index.blocks) {
    const whole = [b.fileOffset, b.unpaddedSize, b.uncompressedSize].every(Number.isSafeInteger);
    if (!whole || b.fileOffset < end || b.fileOffset + b.unpaddedSize > size) {
      throw new Error(`block ${JSON.stringify(b)} is out of place (after ${end}, in ${size})`);
    }
    end = b.fileOffset + b.unpaddedSize;
    total += b.uncompressedSize;
  }
  if (total !== index.uncompressedSize || !Number.isSafeInteger(total)) {
    throw new Error(`blocks add up to ${total}, the index says ${index.uncompressedSize}`);
  }
}

/** The stream footer, the index's first bytes and its CRC, of every stream in `file`. */
function indexFields(file: Buffer): Field[] {
  const fields: Field[] = [];
  for (let end = file.length; end > 0;) {
    while (end >= 4 && file.readUInt32LE(end - 4) === 0) end -= 4;
    const footer = end - 12;
    fields.push(
      { at: footer, width: 4 },
      { at: footer + 4, width: 4 },
      { at: footer + 8, width: 2 },
    );
    const indexBytes = (file.readUInt32LE(footer + 4) + 1) * 4;
    const index = footer - indexBytes;
    for (let i = 0; i < Math.min(indexBytes - 4, 12); i++) fields.push({ at: index + i, width: 1 });
    fields.push({ at: footer - 4, width: 4 }); // the index's CRC32
    // The stream's start: walk back over its blocks (sizes from the index is what the reader
    // does; here the magic is enough: streams in these seeds are found by their headers).
    const start = file.lastIndexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), index);
    end = start;
  }
  return fields;
}

describe('xz index fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const seeds: Array<{ name: string; file: Buffer }> = [];
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-xz-');
    const disk = await makeSourceDisk(dir.path);
    const head = `${dir.path}/head.bin`;
    await writeFile(head, (await readFile(disk)).subarray(0, 640 * 1024));
    const blocks = await toolOutput(dir.path, head, 'xz -c -0 --block-size=65536');
    const none = await toolOutput(dir.path, head, 'xz -c -0 --check=none');
    const sha = await toolOutput(dir.path, head, 'xz -c -0 --check=sha256 --block-size=200000');
    seeds.push({ name: 'xz, 10 blocks', file: blocks });
    // Two streams with 8 bytes of stream padding between them and 4 after.
    seeds.push({
      name: 'xz, two streams and padding',
      file: Buffer.concat([none, Buffer.alloc(8), sha, Buffer.alloc(4)]),
    });
    const image = await spillwayImage(dir.path, disk, 'xz');
    const sidecar = SidecarSchema.parse(JSON.parse(image.sidecar!));
    let at = 0;
    for (const [i, [compressed]] of sidecar.frames.entries()) {
      if (i === 16 || i === sidecar.frames.length - 1) {
        seeds.push({
          name: `Spillway frame ${i}`,
          file: image.bytes.subarray(at, at + compressed),
        });
      }
      at += compressed;
    }
  });
  afterAll(() => dir?.remove());

  it('mutated, the index is sound or FormatError, and read only inside the file', async () => {
    for (const { file } of seeds) checkIndex(readXzIndexSync(file), file.length);
    const cases = fc.oneof(
      ...seeds.map(({ file }, i) => {
        const space: MutationSpace = {
          seed: file,
          regions: [[Math.max(0, file.length - 256), file.length]],
          fields: indexFields(file),
        };
        return mutations(space).map((changes) => ({ seed: i, changes }));
      }),
    );
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(cases, async ({ seed, changes }) => {
        const device = new FuzzDevice(seeds[seed]!.file, changes);
        // The reader of image files, through a device that fails any read outside the file.
        const { read } = boundedRead(device, { outside: 'fail' });
        const outcome = await outcomeOf(() => readXzIndex(device.size, read), [FormatError]);
        tally.add(outcome);
        // The reader of frames in memory must agree with it (frames are never 4 GiB).
        if (device.size <= 2 ** 24) {
          const sync = await outcomeOf(async () => readXzIndexSync(device.all()), [FormatError]);
          expect(sync).toEqual(outcome);
        }
        if (outcome.kind === 'result') checkIndex(outcome.value, device.size);
      }),
      fuzzOptions(RUNS),
    );
    console.log(tally.summary('xz index'));
    tally.checkDepth('xz index');
  });
});

describe('xz index fuzz: garbage and made-up blocks', () => {
  it('garbage ending like a stream (magic, footer, index) is sound or FormatError', async () => {
    // Random bytes with, at random, the stream header's magic at the start and a footer's
    // "YZ" at the end, so the reader goes past its first check.
    const garbage = fc
      .record({
        body: fc.uint8Array({ minLength: 0, maxLength: 2048, size: 'max' }),
        magic: fc.boolean(),
        footer: fc.boolean(),
        backward: fc.integer({ min: 0, max: 600 }),
      })
      .map(({ body, magic, footer, backward }) => {
        const file = Buffer.from(body);
        if (magic && file.length >= 6) file.set([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 0);
        if (footer && file.length >= 12) {
          // A footer that passes its CRC, with the header's flags when both are there.
          const end = file.length;
          if (magic) file.copy(file, end - 4, 6, 8);
          file.writeUInt32LE(backward, end - 8);
          file.writeUInt32LE(crc32(file.subarray(end - 8, end - 2)), end - 12);
          file.set([0x59, 0x5a], end - 2);
          if (magic) file.writeUInt32LE(crc32(file.subarray(6, 8)), 8);
        }
        return file;
      });
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(garbage, async (file) => {
        const device = new FuzzDevice(file);
        const { read } = boundedRead(device, { outside: 'fail' });
        const outcome = await outcomeOf(() => readXzIndex(device.size, read), [FormatError]);
        tally.add(outcome);
        if (outcome.kind === 'result') checkIndex(outcome.value, device.size);
      }),
      fuzzOptions(500, 1),
    );
    console.log(tally.summary('xz index, garbage'));
  });

  it('a stream of one made-up block (the tail xz-block-stream writes) reads back', async () => {
    const sizes = fc.record({
      unpaddedSize: fc.integer({ min: 5, max: 2 ** 45 }),
      uncompressedSize: fc.maxSafeNat(),
      check: fc.constantFrom(0x00, 0x01, 0x04, 0x0a),
    });
    await fc.assert(
      fc.asyncProperty(sizes, async ({ unpaddedSize, uncompressedSize, check }) => {
        const block = { fileOffset: 12, unpaddedSize, uncompressedSize, streamFlags: check << 8 };
        const header = xzStreamHeader(block.streamFlags);
        const tail = xzSingleBlockTail(block);
        const tailAt = 12 + Math.ceil(unpaddedSize / 4) * 4;
        // The block's bytes (zeros here) are read only as part of the reader's padding check.
        const file = (position: number) =>
          position < 12 ? header[position]! : position < tailAt ? 0 : tail[position - tailAt]!;
        const read = async (position: number, length: number) => {
          if (length > 2 ** 20) throw new Error(`a read of ${length} bytes`);
          return Buffer.from(Array.from({ length }, (_, i) => file(position + i)));
        };
        const index = await readXzIndex(tailAt + tail.byteLength, read);
        expect(index).toEqual({ uncompressedSize, blocks: [block] });
      }),
      fuzzOptions(300, 2),
    );
  });
});

describe('xz index: what fuzzing found', () => {
  it('a file ending in 4 GiB of zeros is refused after 64 MiB, in chunks', async () => {
    const dir = await tempDir('spillway-fuzz-xz-');
    try {
      await writeFile(`${dir.path}/text`, 'spillway\n'.repeat(10_000));
      const file = await toolOutput(dir.path, `${dir.path}/text`, 'xz -c -0');
      // Before the fix: one read of 4 bytes per group of padding, 2^30 reads here.
      const zeros = new FuzzDevice(file, [{ op: 'resize', size: 2 ** 32 }]);
      const reads = boundedRead(zeros, { outside: 'fail' });
      await expect(readXzIndex(zeros.size, reads.read)).rejects.toThrow(
        new FormatError('the file ends in zeros, not in an xz stream (damaged?)'),
      );
      expect(reads.calls).toBeLessThanOrEqual(1024 + 1);
      // Padding across chunks (100 KiB, a multiple of four) is still only padding.
      const padded = new FuzzDevice(file, [{ op: 'resize', size: file.length + 100 * 1024 }]);
      const index = await readXzIndex(padded.size, boundedRead(padded, { outside: 'fail' }).read);
      expect(index.uncompressedSize).toBe(90_000);
    } finally {
      await dir.remove();
    }
  });
});
