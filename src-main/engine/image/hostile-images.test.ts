// Fuzzing: mutated images of every codec (flipped bytes, cut ends, huge or negative numbers
// in the index, the footer, the header, the manifest and the sidecar index file) go through everything that reads an image before
// a restore writes: open, inspect, restore planning, and the full check. Whatever the bytes,
// each must end with a SpillwayError or a result: never another exception, a hang, or an
// allocation the file's size does not justify. The seed and the budget are fixed.

import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietContext } from '../jobs/job-context.js';
import { backup } from '../backup/backup.js';
import { SpillwayError } from '../errors.js';
import { CodecPool } from '../pool/codec-pool.js';
import { ProgressTracker } from '../progress/progress-tracker.js';
import { planRestore } from '../restore/restore-plan.js';
import type { TargetDescription } from '../../../src-shared/protocol/plans.js';
import { checkImage } from '../verify/check-image.js';
import { sidecarPathOf } from '../../../src-shared/sidecar.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { memoryImageInput } from '../endpoints/image-input.js';
import { openImageFrom } from './open-image.js';
import { knownPayloadSize } from './stream-decoder.js';
import { collectAll } from '../codecs/native-garbage.js';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Mutated images per run: the issue asks for at least 100,000 in CI. */
const RUNS = Number(process.env.SPILLWAY_FUZZ_RUNS ?? 100_000);
const SEED = 20261122;
const PER_IMAGE_MS = 5000;

/**
 * Bytes the main thread keeps alive (its heap and the buffers outside it) once collected:
 * unlike RSS, not moved by when the collector last ran. Native memory behind dead objects
 * (a codec's context, a binding's result) is freed by finalizers that run on later turns of
 * the event loop, not during the collection: measured once, right after a single collection,
 * "external" read 21.4 MiB where it settled at 12.4 (heap 24.2 both times). So collect again,
 * a turn apart, until nothing more is freed.
 */
async function aliveAfterCollection(): Promise<Alive> {
  let alive: Alive = { heap: Infinity, outside: Infinity };
  for (let round = 0; round < 10; round++) {
    if (!collectAll()) throw new Error('no garbage collector to call: cannot measure');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { heapUsed, external } = process.memoryUsage();
    const now = { heap: heapUsed, outside: external };
    const freed = total(alive) - total(now);
    if (total(now) < total(alive)) alive = now;
    if (freed < 64 * 1024) break;
  }
  return alive;
}

/** What the main thread holds: its JS heap, and the buffers outside it (bytes). */
interface Alive {
  heap: number;
  outside: number;
}

const total = (alive: Alive) => alive.heap + alive.outside;

interface Seed {
  name: string;
  bytes: Buffer;
  /** The index file beside a gzip, xz or uncompressed Spillway image. */
  sidecar?: string;
}

/** A small disk-like source: random, zeros and text, 6 frames of 64 KiB and a short one. */
function sourceBytes(): Buffer {
  const random = Buffer.alloc(128 * 1024);
  let x = 12345;
  for (let i = 0; i < random.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    random[i] = x >>> 24;
  }
  return Buffer.concat([
    random,
    Buffer.alloc(128 * 1024),
    Buffer.from('spillway fuzz text\n'.repeat(7000)),
  ]);
}

const tool = (command: string, args: string[], input: Buffer) =>
  execFileSync(command, args, { input, maxBuffer: 64 * 2 ** 20 });

/** Mutations aimed at the places that hold numbers, plus blind ones. */
function mutation(size: number): fc.Arbitrary<(image: Buffer) => Buffer> {
  const at = fc.nat({ max: Math.max(0, size - 1) });
  const fromEnd = fc.nat({ max: Math.min(size - 1, 512) });
  const u32 = fc.constantFrom(
    0,
    1,
    2,
    255,
    4096,
    65535,
    0x7fffffff,
    0x80000000,
    0xfffffffe,
    0xffffffff,
  );
  return fc.oneof(
    at.map((i) => (b: Buffer) => {
      const c = Buffer.from(b);
      c[i] = c[i]! ^ 0xff;
      return c;
    }),
    fc.tuple(at, fc.integer({ min: 0, max: 255 })).map(([i, v]) => (b: Buffer) => {
      const c = Buffer.from(b);
      c[i] = v;
      return c;
    }),
    // A u32 near the end (seek table entries, footer, xz index, gzip trailer).
    fc.tuple(fromEnd, u32).map(([back, v]) => (b: Buffer) => {
      const c = Buffer.from(b);
      const i = Math.max(0, c.length - 4 - back);
      c.writeUInt32LE(v >>> 0, i);
      return c;
    }),
    // A u32 near the start (headers, the SPWH frame's size).
    fc.tuple(fc.nat({ max: 64 }), u32).map(([i, v]) => (b: Buffer) => {
      const c = Buffer.from(b);
      if (i + 4 <= c.length) c.writeUInt32LE(v >>> 0, i);
      return c;
    }),
    fc.nat({ max: size }).map((n) => (b: Buffer) => b.subarray(0, n)),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(
      ([i, bytes]) =>
        (b: Buffer) =>
          Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]),
    ),
    // Numbers inside the JSON of the header and the manifest.
    fc
      .tuple(
        fc.nat({ max: 40 }),
        fc.constantFrom('-1', '1e300', '9007199254740993', '4294967296', '0', '"x"', 'null', '[]'),
      )
      .map(([nth, value]) => (b: Buffer) => {
        const text = b.toString('latin1');
        let count = 0;
        const replaced = text.replace(/:(\d+)/g, (whole) =>
          count++ === nth ? `:${value}` : whole,
        );
        return Buffer.from(replaced, 'latin1');
      }),
  );
}

describe('hostile images', () => {
  const seeds: Seed[] = [];
  let pool: CodecPool;
  const scratch = join(tmpdir(), `spillway-fuzz-${process.pid}`);

  beforeAll(async () => {
    const source = sourceBytes();
    await writeFile(`${scratch}.img`, source);
    await backup(
      {
        source: `${scratch}.img`,
        destination: `${scratch}.img.zst`,
        frameSize: 64 * 1024,
        threads: 1,
        spill: false,
      },
      quietContext(),
    );
    seeds.push({ name: 'disk.img.zst', bytes: await readFile(`${scratch}.img.zst`) });
    // The other codecs' Spillway images; gzip, xz and none with their sidecar index.
    for (const codec of ['lz4', 'gzip', 'xz', 'none'] as const) {
      const image = `${scratch}-out${CODEC_INFO[codec].extension}`;
      await backup(
        {
          source: `${scratch}.img`,
          destination: image,
          codec,
          frameSize: 64 * 1024,
          threads: 1,
          spill: false,
        },
        quietContext(),
      );
      const sidecar =
        CODEC_INFO[codec].index === 'sidecar'
          ? await readFile(sidecarPathOf(image), 'utf8')
          : undefined;
      seeds.push({
        name: `disk${CODEC_INFO[codec].extension}`,
        bytes: await readFile(image),
        ...(sidecar !== undefined ? { sidecar } : {}),
      });
      await rm(image, { force: true });
      await rm(sidecarPathOf(image), { force: true });
    }
    seeds.push({ name: 'plain.img.zst', bytes: tool('zstd', ['-q', '-c'], source) });
    seeds.push({ name: 'plain.img.gz', bytes: tool('gzip', ['-c'], source) });
    seeds.push({ name: 'plain.img.xz', bytes: tool('xz', ['-c', '--block-size=65536'], source) });
    await rm(`${scratch}.img`, { force: true });
    await rm(`${scratch}.img.zst`, { force: true });
    pool = new CodecPool(2);
  });
  afterAll(() => pool?.close());

  const target: TargetDescription = {
    path: join(tmpdir(), 'spillway-fuzz-target-that-does-not-exist.img'),
    kind: 'file',
    name: 'target.img',
    size: null,
    exists: false,
    partitions: [],
    mounted: [],
    disks: [],
  };

  /** Everything a restore does before writing, plus inspect. */
  async function exercise(seed: Seed, bytes: Buffer, sidecar: string | null): Promise<void> {
    const input = memoryImageInput(seed.name, bytes);
    let opened;
    try {
      opened = await openImageFrom(
        input,
        sidecar === null ? null : { path: `${seed.name}.spillway.json`, text: sidecar },
      );
    } catch (error) {
      if (error instanceof SpillwayError) return;
      throw error;
    }
    try {
      if (opened.layout !== 'indexed') await knownPayloadSize(opened);
      await planRestore(opened, target);
      const counters = new ProgressTracker('verify', () => {}).counters;
      await checkImage(opened, pool, counters, new AbortController().signal);
    } catch (error) {
      if (!(error instanceof SpillwayError)) throw error;
    }
  }

  it('checks the intact images clean (the baseline every mutation departs from)', async () => {
    for (const seed of seeds) {
      const sidecar = seed.sidecar
        ? { path: `${seed.name}.spillway.json`, text: seed.sidecar }
        : null;
      const opened = await openImageFrom(memoryImageInput(seed.name, seed.bytes), sidecar);
      expect(opened.layout, seed.name).toBe(
        seed.name.startsWith('disk') ? 'indexed' : opened.layout,
      );
      const counters = new ProgressTracker('verify', () => {}).counters;
      const outcome = await checkImage(opened, pool, counters, new AbortController().signal);
      expect(outcome.damage, seed.name).toEqual([]);
      expect(outcome.size, seed.name).toBe(sourceBytes().length);
    }
  });

  it(`survives ${RUNS} mutated images (seed ${SEED})`, async () => {
    const before = process.memoryUsage().rss;
    let slowest = 0;
    // Two passes over every seed, half the budget each. What one hostile image may allocate
    // is bounded (a decode budget per image), so after the second pass no more may stay
    // alive than after the first; a leak would keep some of every image. Alive means what
    // the heap and the buffers outside it hold after a full collection. RSS cannot tell: the
    // main heap fills with garbage up to a GiB before V8 collects it and gives pages back,
    // so RSS depends on when that last happened. The same run's growth in the second pass
    // was -167 to +149 MiB (measured), and its peaks moved by -614 to +718 MiB.
    const runsPerSeed = Math.ceil(RUNS / seeds.length / 2);
    let aliveAfterFirstPass: Alive = { heap: 0, outside: 0 };
    for (const [index, seed] of [...seeds, ...seeds].entries()) {
      if (index === seeds.length) aliveAfterFirstPass = await aliveAfterCollection();
      const sidecar = Buffer.from(seed.sidecar ?? '', 'latin1');
      // With a sidecar, half the mutations go to it (its numbers, its JSON), half to the image.
      const cases = fc.tuple(
        seed.sidecar ? fc.boolean() : fc.constant(false),
        mutation(seed.bytes.length),
        mutation(Math.max(1, sidecar.length)),
      );
      await fc.assert(
        fc.asyncProperty(cases, async ([inSidecar, mutateImage, mutateSidecar]) => {
          const started = performance.now();
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error('hang: over 5 s on one image')),
              PER_IMAGE_MS,
            );
          });
          try {
            const bytes = inSidecar ? seed.bytes : mutateImage(seed.bytes);
            const text = seed.sidecar
              ? inSidecar
                ? mutateSidecar(sidecar).toString('latin1')
                : seed.sidecar
              : null;
            await Promise.race([exercise(seed, bytes, text), timeout]);
          } finally {
            clearTimeout(timer);
          }
          slowest = Math.max(slowest, performance.now() - started);
        }),
        { seed: SEED + index, numRuns: runsPerSeed, endOnFailure: true },
      );
    }
    const aliveAtEnd = await aliveAfterCollection();
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    const aliveGrowth = (total(aliveAtEnd) - total(aliveAfterFirstPass)) / 2 ** 20;
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    console.log(
      `fuzz: ${runsPerSeed * seeds.length * 2} images, slowest ${slowest.toFixed(0)} ms, ` +
        `RSS grew ${grown.toFixed(0)} MiB, alive after the second pass ` +
        `${aliveGrowth.toFixed(1)} MiB more than after the first (heap ` +
        `${mib(aliveAfterFirstPass.heap)} → ${mib(aliveAtEnd.heap)}, outside it ` +
        `${mib(aliveAfterFirstPass.outside)} → ${mib(aliveAtEnd.outside)} MiB)`,
    );
    expect(grown).toBeLessThan(1024);
    // Measured at the end of full runs, collected until nothing more is freed: -24.3 to
    // +17.8 MiB in five runs (one of them also taking heap snapshots; with a single
    // collection, up to +29.2 in CI). Of that, the heap moved by -15.0 to +11.0 MiB and the
    // memory outside it by -9.3 to +13.2; after only 40,000 images it was +11.3 outside, and
    // V8's last-resort collection freed none of it: something bounded is kept, nothing grows
    // with every image. A leak of one image in twenty kept 15.8 MiB in a run of 4000, so
    // about 390 MiB in this one.
    expect(aliveGrowth).toBeLessThan(64);
  }, 1_800_000);
});
