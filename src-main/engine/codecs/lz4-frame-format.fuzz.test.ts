// Fuzzing the LZ4 frame bound (see test-support/fuzz.ts): frames made by the lz4 tool (64 KiB
// to 4 MiB blocks, block checksums, content size, linked blocks, stored blocks of random
// bytes) and by Spillway (an LZ4 image's frames), mutated mostly in their descriptors and
// block headers. lz4FrameOutputBound must return a whole number of bytes or throw
// FrameCorruptError; and when the real decoder (lz4-napi) accepts the frame, what it gives
// must fit that bound: the bound is what keeps a hostile frame from making the decoder
// allocate gigabytes.

import { createCipheriv } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import lz4 from 'lz4-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSourceDisk, spillwayImage, toolOutput } from '../../test-support/fuzz-images.js';
import {
  FuzzDevice,
  fuzzOptions,
  mutations,
  outcomeOfSync,
  Tally,
  type Field,
  type MutationSpace,
} from '../../test-support/fuzz.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { FrameCorruptError } from './frame-codec.js';
import { lz4FrameOutputBound } from './lz4-frame-format.js';
import { parseSeekFooter, parseSeekTable } from '../format/seekable/zstd-seekable.js';

const RUNS = 1000;
/** Frames whose bound is larger than this are not handed to the decoder here. */
const DECODE_LIMIT = 16 * 2 ** 20;

/** The descriptor and every block header of an intact frame. */
function frameFields(frame: Buffer): Field[] {
  const fields: Field[] = [
    { at: 0, width: 4 },
    { at: 4, width: 1 },
    { at: 5, width: 1 },
  ];
  const flags = frame[4]!;
  let at = 6;
  if (flags & 0x08) {
    fields.push({ at, width: 8 }); // content size
    at += 8;
  }
  if (flags & 0x01) at += 4; // dictionary id
  fields.push({ at, width: 1 }); // header checksum
  at += 1;
  for (;;) {
    fields.push({ at, width: 4 });
    const word = frame.readUInt32LE(at);
    if (word === 0) break;
    at += 4 + (word & 0x7fffffff) + (flags & 0x10 ? 4 : 0);
  }
  return fields;
}

/** Spillway's frames of an LZ4 image: the data frames its seek table lists. */
function imageFrames(image: Buffer): Buffer[] {
  const footer = parseSeekFooter(image.subarray(image.length - 9), image.length)!;
  const entries = parseSeekTable(image.subarray(image.length - footer.tableBytes), footer);
  const frames: Buffer[] = [];
  let at = 0;
  for (const e of entries) {
    if (e.decompressedSize > 0) frames.push(image.subarray(at, at + e.compressedSize));
    at += e.compressedSize;
  }
  return frames;
}

describe('LZ4 frame bound fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const seeds: Array<{ name: string; frame: Buffer }> = [];
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-lz4-');
    const disk = await makeSourceDisk(dir.path);
    // The tool's frames from the disk's first 640 KiB (the table and the FAT): small frames
    // keep each decode, and so each run, short.
    const head = `${dir.path}/head.bin`;
    await writeFile(head, (await readFile(disk)).subarray(0, 640 * 1024));
    // Incompressible but the same on every run: AES-CTR of zeros under a fixed key.
    const noise = `${dir.path}/noise.bin`;
    const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 9));
    await writeFile(noise, cipher.update(Buffer.alloc(200_000)));
    for (const [name, input, options] of [
      ['lz4 -B4 -BX --content-size', head, '-B4 -BX --content-size'],
      ['lz4 -B5', head, '-B5'],
      ['lz4 -B6 -BD --no-frame-crc', head, '-B6 -BD --no-frame-crc'],
      ['lz4 -B4 (stored blocks)', noise, '-B4'],
    ]) {
      seeds.push({
        name: name!,
        frame: await toolOutput(dir.path, input!, `lz4 -q -c ${options}`),
      });
    }
    const image = await spillwayImage(dir.path, disk, 'lz4');
    const frames = imageFrames(image.bytes);
    seeds.push({ name: 'Spillway frame (text)', frame: frames[frames.length - 1]! });
    seeds.push({ name: 'Spillway frame (FAT)', frame: frames[16]! });
  });
  afterAll(() => dir?.remove());

  it('mutated frames: a sound bound, or FrameCorruptError; what decodes fits the bound', () => {
    for (const { name, frame } of seeds) {
      expect(lz4FrameOutputBound(frame), name).toBeGreaterThanOrEqual(
        lz4.decompressFrameSync(frame).length,
      );
    }
    const cases = fc.oneof(
      ...seeds.map(({ frame }, i) => {
        const space: MutationSpace = {
          seed: frame,
          regions: [[0, Math.min(frame.length, 32)]],
          fields: frameFields(frame),
          grow: false,
        };
        return mutations(space).map((changes) => ({ seed: i, changes }));
      }),
    );
    const tally = new Tally();
    let decoded = 0;
    fc.assert(
      fc.property(cases, ({ seed, changes }) => {
        const frame = new FuzzDevice(seeds[seed]!.frame, changes).all();
        const outcome = outcomeOfSync(() => lz4FrameOutputBound(frame), [FrameCorruptError]);
        tally.add(outcome);
        if (outcome.kind === 'refused') return;
        const bound = outcome.value;
        if (!Number.isSafeInteger(bound) || bound < 0) throw new Error(`bound ${bound}`);
        if (bound > DECODE_LIMIT) return;
        let output: Buffer;
        try {
          output = lz4.decompressFrameSync(frame);
        } catch {
          return; // the decoder refused it: nothing was allocated for it
        }
        decoded++;
        if (output.length > bound) {
          throw new Error(`decoded ${output.length} bytes, more than the bound ${bound}`);
        }
      }),
      fuzzOptions(RUNS),
    );
    console.log(`${tally.summary('LZ4 frame bound')}, ${decoded} decoded`);
    tally.checkDepth('LZ4 frame bound');
    // Some mutated frames must still decode, or the bound's promise is never tested.
    expect(decoded).toBeGreaterThan(tally.runs / 100);
  });
});
