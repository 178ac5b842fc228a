// Fuzzing the zstd seekable format's parsers (see test-support/fuzz.ts): a Spillway zstd image
// made by the command line, mutated in its seek table (footer, frame header, entries), in its
// first frame (the SPWH header's prefix) and cut short, then read as openImage reads it:
// footer, whole table, Spillway frame prefix. Each parser returns null, a sound result, or
// throws FormatError; nothing else.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSourceDisk, spillwayImage } from '../../../test-support/fuzz-images.js';
import {
  FuzzDevice,
  fuzzOptions,
  mutations,
  outcomeOfSync,
  Tally,
  type Field,
  type Region,
} from '../../../test-support/fuzz.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { FormatError } from '../../format-error.js';
import {
  parseSeekFooter,
  parseSeekTable,
  SEEK_FOOTER_BYTES,
  SPILLWAY_FRAME_PREFIX_BYTES,
  spillwayFrameJson,
  spillwayFramePrefix,
} from './zstd-seekable.js';

const RUNS = 2000;

/** The seek table of `image` as openImage reads it; throws unless what it returns is sound. */
function readSeekTable(image: Buffer) {
  const size = image.byteLength;
  if (size < SEEK_FOOTER_BYTES) return null;
  const footer = parseSeekFooter(image.subarray(size - SEEK_FOOTER_BYTES), size);
  if (!footer) return null;
  const entryBytes = footer.hasChecksums ? 12 : 8;
  if (footer.tableBytes !== 8 + footer.frameCount * entryBytes + 9 || footer.tableBytes > size) {
    throw new Error(`footer ${JSON.stringify(footer)} does not add up`);
  }
  const entries = parseSeekTable(image.subarray(size - footer.tableBytes), footer);
  if (entries.length !== footer.frameCount) throw new Error('entries and frame count differ');
  for (const e of entries) {
    const u32 = (n: number | null) => n === null || (Number.isInteger(n) && n >= 0 && n < 2 ** 32);
    if (!u32(e.compressedSize) || !u32(e.decompressedSize) || !u32(e.checksum)) {
      throw new Error(`entry ${JSON.stringify(e)} is not made of u32s`);
    }
  }
  return entries;
}

/** The first frame's prefix and JSON, as openImage reads the header frame. */
function readHeaderFrame(image: Buffer) {
  const prefix = spillwayFramePrefix(image.subarray(0, SPILLWAY_FRAME_PREFIX_BYTES));
  if (!prefix) return null;
  if (prefix.frameBytes < SPILLWAY_FRAME_PREFIX_BYTES)
    throw new Error('frame shorter than its tag');
  if (prefix.frameBytes > 64 * 1024 || prefix.frameBytes > image.byteLength) return null;
  return spillwayFrameJson(image.subarray(0, prefix.frameBytes));
}

describe('zstd seekable parsers fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let seed: Buffer;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-seekable-');
    seed = (await spillwayImage(dir.path, await makeSourceDisk(dir.path), 'zstd')).bytes;
  });
  afterAll(() => dir?.remove());

  it('a Spillway zstd image, mutated: its seek table and header parse soundly or FormatError', async () => {
    const size = seed.byteLength;
    const entries = readSeekTable(seed)!;
    expect(entries.length).toBeGreaterThan(60);
    const tableBytes = 8 + entries.length * 12 + 9;
    const table = size - tableBytes;
    const fields: Field[] = [
      { at: size - 9, width: 4 }, // frame count
      { at: size - 5, width: 1 }, // descriptor
      { at: size - 4, width: 4 }, // footer magic
      { at: table, width: 4 }, // skippable frame magic
      { at: table + 4, width: 4 }, // and size
      { at: 4, width: 4 }, // the header frame's size
      { at: 8, width: 4 }, // and tag
    ];
    for (const i of [0, 1, 2, entries.length - 2, entries.length - 1]) {
      for (const at of [0, 4, 8]) fields.push({ at: table + 8 + i * 12 + at, width: 4 });
    }
    const regions: Region[] = [
      [table, size],
      [0, 64],
    ];
    const tally = new Tally();
    fc.assert(
      fc.property(mutations({ seed, regions, fields, grow: false }), (changes) => {
        const image = new FuzzDevice(seed, changes).all();
        tally.add(
          outcomeOfSync(() => [readSeekTable(image), readHeaderFrame(image)], [FormatError]),
        );
      }),
      fuzzOptions(RUNS),
    );
    console.log(tally.summary('zstd seek table'));
    tally.checkDepth('zstd seek table');
  });
});
