// Fuzzing how an image is opened (see test-support/fuzz.ts; hostile-images.test.ts fuzzes the
// whole path to a restore with blind byte mutations, 100,000 of them). Here the mutations know
// the structure: a value anywhere in the JSON of the header, the manifest or the sidecar index
// file is replaced by a hostile one (negative, fractional, huge, 2^53 + 1, the wrong type, a
// long string, deep nesting, another field's value), and the image is put back together
// around it (frame sizes and seek table right), so the hostile value reaches the schema and
// the checks behind it; and bytes of the seek table, the footer and the header frame are
// mutated as in the other fuzz tests. openImageFrom must return a sound image or throw a
// SpillwayError: nothing else.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSourceDisk, spillwayImage, type SeedImage } from '../../test-support/fuzz-images.js';
import {
  FuzzDevice,
  fuzzOptions,
  mutations,
  outcomeOf,
  Tally,
  type Mutation,
  type Region,
} from '../../test-support/fuzz.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { SpillwayError } from '../errors.js';
import {
  encodeSeekTable,
  parseSeekFooter,
  parseSeekTable,
  spillwayFrame,
  spillwayFrameJson,
  XXH64_EMPTY_LOW32,
  type SeekEntry,
} from '../format/seekable/zstd-seekable.js';
import { MAX_FRAME_SIZE } from '../format/frame-size.js';
import { memoryImageInput } from '../endpoints/image-input.js';
import type { OpenedImage } from '../format/image-layout.js';
import { openImageFrom } from './open-image.js';

const RUNS = 1000;

/** JSON text that replaces a value: hostile numbers, wrong types, long and deep values. */
const HOSTILE_VALUES = [
  '-1',
  '0',
  '1',
  '0.5',
  '1e300',
  '-1e300',
  '4294967295',
  '4294967296',
  '9007199254740991',
  '9007199254740993',
  'null',
  'true',
  '""',
  '"x"',
  JSON.stringify('x'.repeat(5000)),
  '[]',
  '{}',
  '[0,9007199254740991]',
  '[[0,1],[0,1]]',
  '['.repeat(10_000) + ']'.repeat(10_000),
];

/** A change to a JSON document: a value replaced (raw JSON text), or a key removed. */
type JsonChange =
  { path: Array<string | number>; raw: string } | { path: Array<string | number>; remove: true };

/** Every path into `value` (objects and arrays, depth first), up to `limit` of them. */
function paths(
  value: unknown,
  limit = 400,
  prefix: Array<string | number> = [],
): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const walk = (v: unknown, p: Array<string | number>) => {
    if (out.length >= limit) return;
    out.push(p);
    if (Array.isArray(v)) v.slice(0, 4).forEach((item, i) => walk(item, [...p, i]));
    else if (v && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) walk(item, [...p, k]);
  };
  walk(value, prefix);
  return out.filter((p) => p.length > 0);
}

/** `json` with `change` applied, as text (raw values spliced in: 2^53 + 1 survives). */
function applyJson(json: string, change: JsonChange): string {
  const doc = JSON.parse(json) as Record<string, unknown>;
  let parent = doc as Record<string | number, unknown>;
  for (const key of change.path.slice(0, -1))
    parent = parent[key] as Record<string | number, unknown>;
  const last = change.path[change.path.length - 1]!;
  if ('remove' in change) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
    return JSON.stringify(doc);
  }
  parent[last] = '\u0000raw\u0000';
  return JSON.stringify(doc).replace('"\\u0000raw\\u0000"', () => change.raw);
}

/** The numbers in a JSON document: a field's value written into another. */
function numbersIn(json: string): string[] {
  return [...new Set(json.match(/-?\d+(\.\d+)?/g) ?? [])].slice(0, 200);
}

function jsonChanges(json: string): fc.Arbitrary<JsonChange> {
  const doc: unknown = JSON.parse(json);
  const all = paths(doc);
  const valueAt = (p: Array<string | number>) =>
    p.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], doc);
  // Numbers moved a little: still numbers of the right kind, so they pass the schema and
  // reach the checks of sizes and counts behind it.
  const nudged = all.flatMap((p) => {
    const v = valueAt(p);
    return typeof v === 'number'
      ? [v + 1, v - 1, v * 2].map((n) => ({ path: p, raw: String(n) }))
      : [];
  });
  const path = fc.constantFrom(...all);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(path, fc.constantFrom(...HOSTILE_VALUES))
        .map(([p, raw]) => ({ path: p, raw })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(path, fc.constantFrom(...numbersIn(json)))
        .map(([p, raw]) => ({ path: p, raw })),
    },
    { weight: 3, arbitrary: fc.constantFrom(...nudged) },
    { weight: 1, arbitrary: path.map((p): JsonChange => ({ path: p, remove: true })) },
  );
}

/** An image with its index inside (zstd, LZ4): header, data frames, manifest, seek table. */
interface Seekable {
  header: string;
  data: Buffer;
  dataEntries: SeekEntry[];
  manifest: string;
}

function splitSeekable(image: Buffer): Seekable {
  const footer = parseSeekFooter(image.subarray(image.length - 9), image.length)!;
  const entries = parseSeekTable(image.subarray(image.length - footer.tableBytes), footer);
  const first = entries[0]!.compressedSize;
  const last = entries[entries.length - 1]!.compressedSize;
  const dataEnd = image.length - footer.tableBytes - last;
  return {
    header: spillwayFrameJson(image.subarray(0, first)),
    data: image.subarray(first, dataEnd),
    dataEntries: entries.slice(1, -1),
    manifest: spillwayFrameJson(image.subarray(dataEnd, dataEnd + last)),
  };
}

/** Puts a seekable image back together, its seek table made for the frames it now has. */
function joinSeekable(s: Seekable): Buffer {
  const header = spillwayFrame('SPWH', s.header);
  const manifest = spillwayFrame('SPWM', s.manifest);
  const empty = (frame: Buffer): SeekEntry => ({
    compressedSize: frame.length,
    decompressedSize: 0,
    checksum: XXH64_EMPTY_LOW32,
  });
  const table = encodeSeekTable([empty(header), ...s.dataEntries, empty(manifest)]);
  return Buffer.concat([header, s.data, manifest, table]);
}

/** Throws unless `image`, opened from `size` bytes, is sound. */
function checkOpened(image: OpenedImage, size: number): void {
  if (image.layout === 'raw') {
    expect(image.payloadSize).toBe(size);
    return;
  }
  if (image.layout === 'stream') return;
  let fileOffset = image.frames[0]?.fileOffset ?? 0;
  let driveOffset = 0;
  for (const [i, f] of image.frames.entries()) {
    const whole = [f.fileOffset, f.compressedSize, f.driveOffset, f.size].every(
      Number.isSafeInteger,
    );
    if (!whole || f.index !== i || f.fileOffset < fileOffset || f.driveOffset !== driveOffset) {
      throw new Error(`frame ${i} ${JSON.stringify(f)} is out of place`);
    }
    if (f.size <= 0 || f.size > MAX_FRAME_SIZE || f.fileOffset + f.compressedSize > size) {
      throw new Error(`frame ${i} ${JSON.stringify(f)} has impossible sizes`);
    }
    fileOffset = f.fileOffset + f.compressedSize;
    driveOffset += f.size;
  }
  expect(image.payloadSize).toBe(driveOffset);
  if (image.manifest) {
    expect(image.manifest.size).toBe(driveOffset);
    expect(image.manifest.frameCount).toBe(image.frames.length);
  }
}

/** One case: what is mutated, and how. */
type Case =
  | { seed: number; json: 'header' | 'manifest' | 'sidecar'; change: JsonChange }
  | { seed: number; bytes: 'image' | 'sidecar'; changes: Mutation[] };

describe('opening hostile images fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const seeds: SeedImage[] = [];
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-open-');
    const disk = await makeSourceDisk(dir.path);
    for (const codec of ['zstd', 'lz4', 'gzip', 'xz', 'none'] as const) {
      seeds.push(await spillwayImage(dir.path, disk, codec));
    }
  });
  afterAll(() => dir?.remove());

  /** The bytes and the sidecar text of a case. */
  function build(c: Case): { bytes: Buffer; sidecar: string | null } {
    const seed = seeds[c.seed]!;
    const sidecar = seed.sidecar ?? null;
    if ('json' in c) {
      if (c.json === 'sidecar')
        return { bytes: seed.bytes, sidecar: applyJson(sidecar!, c.change) };
      const parts = splitSeekable(seed.bytes);
      parts[c.json] = applyJson(parts[c.json], c.change);
      return { bytes: joinSeekable(parts), sidecar };
    }
    if (c.bytes === 'sidecar') {
      const text = Buffer.from(sidecar!, 'latin1');
      return {
        bytes: seed.bytes,
        sidecar: new FuzzDevice(text, c.changes).all().toString('latin1'),
      };
    }
    return { bytes: new FuzzDevice(seed.bytes, c.changes).all(), sidecar };
  }

  it('mutated JSON and index bytes: a sound image, or a SpillwayError', async () => {
    for (const seed of seeds) {
      const sidecar = seed.sidecar
        ? { path: `${seed.name}.spillway.json`, text: seed.sidecar }
        : null;
      const opened = await openImageFrom(memoryImageInput(seed.name, seed.bytes), sidecar);
      expect(opened.layout, seed.name).toBe('indexed');
      checkOpened(opened, seed.bytes.length);
    }
    const cases = fc.oneof(
      ...seeds.flatMap((seed, i): Array<fc.Arbitrary<Case>> => {
        if (seed.sidecar) {
          const text = Buffer.from(seed.sidecar, 'latin1');
          return [
            jsonChanges(seed.sidecar).map((change): Case => ({ seed: i, json: 'sidecar', change })),
            mutations({ seed: text, regions: [[0, text.length]], resize: false }).map(
              (changes): Case => ({ seed: i, bytes: 'sidecar', changes }),
            ),
          ];
        }
        const parts = splitSeekable(seed.bytes);
        const tail: Region = [
          seed.bytes.length - (parts.dataEntries.length + 2) * 12 - 17,
          seed.bytes.length,
        ];
        return [
          jsonChanges(parts.header).map((change): Case => ({ seed: i, json: 'header', change })),
          jsonChanges(parts.manifest).map((change): Case => ({
            seed: i,
            json: 'manifest',
            change,
          })),
          mutations({ seed: seed.bytes, regions: [tail, [0, 64]], grow: false }).map(
            (changes): Case => ({
              seed: i,
              bytes: 'image',
              changes,
            }),
          ),
        ];
      }),
    );
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const { bytes, sidecar } = build(c);
        const name = seeds[c.seed]!.name;
        const input = memoryImageInput(name, bytes);
        const index = sidecar === null ? null : { path: `${name}.spillway.json`, text: sidecar };
        const outcome = await outcomeOf(() => openImageFrom(input, index), [SpillwayError]);
        tally.add(outcome);
        if (outcome.kind === 'result') checkOpened(outcome.value, bytes.length);
      }),
      fuzzOptions(RUNS),
    );
    console.log(tally.summary('opening images'));
    tally.checkDepth('opening images');
  });
});
