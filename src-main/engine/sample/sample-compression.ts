// A quick sample of a drive, compressed at one codec and level, for the backup wizard's level
// control: how fast and how small, before committing to hours of work. Chunks from the bytes
// the backup will read go through the backup's own codec pool (worker threads, as many as a
// backup uses, hashing each frame as it does); the pool is warmed up untimed, then the whole
// sample is timed more than once (rate-estimate.ts says why) and the middle run is the rate.

import type { CodecName } from '../../../src-shared/manifest.js';
import { readAtOf } from '../blockmap/read-source.js';
import { usedBlockMap } from '../blockmap/used-block-map.js';
import { checkLevel } from '../backup/options.js';
import { frameCodec } from '../codecs/registry.js';
import { SpillwayError } from '../errors.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import { SlotArena, type Slot } from '../pool/slot-arena.js';
import { totalLength } from '../ranges.js';
import { openBackupSource } from '../source/backup-source.js';
import { rateEstimate, wantAnotherRun, type TimedRun } from './rate-estimate.js';
import { samplePositions } from './sample-positions.js';

/** 16 chunks of 1 MiB, spread over what the backup reads: tens of milliseconds a run at
 *  zstd -3, seconds at xz -9 (then one run is all there is time for). */
const CHUNKS = 16;
const CHUNK = 2 ** 20;
/** Timed runs: at least one, more until this many seconds were timed, at most MAX_RUNS. */
const RUNS = { minRuns: 1, maxRuns: 7, budget: 0.8 };

export interface CompressionSample {
  codec: CodecName;
  level: number;
  /** Bytes compressed for this sample. */
  sampled: number;
  /** Uncompressed over compressed, for the sample. */
  ratio: number;
  /** Measured compression rate on `threads` threads, uncompressed bytes per second: the
   *  median of `runs` timed runs, the slowest and fastest in `range`. */
  bytesPerSecond: number;
  range: [number, number];
  runs: number;
  threads: number;
  /** Bytes a used-mode backup reads, and the image size the sample's ratio predicts. */
  bytesToRead: number;
  expectedImage: number;
}

export async function sampleCompression(
  path: string,
  codec: CodecName,
  level: number,
  threads: number = defaultThreads(),
): Promise<CompressionSample> {
  checkLevel(codec, level);
  const source = await openBackupSource(path);
  try {
    if (source.type !== 'positioned') {
      throw new SpillwayError('usage', 'A sample needs a drive or a file, not a stream.');
    }
    const read = readAtOf(source);
    const map = await usedBlockMap(read, source.info.size, source.info.logicalSectorSize);
    const bytesToRead = totalLength(map.read);
    const chunk = Math.min(CHUNK, bytesToRead);
    const positions = samplePositions(map.read, CHUNKS, chunk);
    const frame = await frameCodec(codec);
    const inputs = new SlotArena(Math.max(chunk, 1), Math.max(positions.length, 1));
    const outputs = new SlotArena(frame.bound(Math.max(chunk, 1)), threads * 2);
    const slots: Slot[] = [];
    for (const position of positions) {
      const slot = await inputs.acquire();
      (await read(position, chunk)).copy(slot.bytes(chunk));
      slots.push(slot);
    }
    const pool = new CodecPool(threads);
    try {
      // Compresses every sample slot, as many at once as the pool has room for; the total of
      // their compressed lengths.
      const compressAll = async (count: number): Promise<number> => {
        let next = 0;
        let output = 0;
        const lane = async () => {
          const out = await outputs.acquire();
          try {
            while (next < count) {
              const input = slots[next++]!;
              // Awaited first: `output += await …` would read `output` before another
              // lane adds to it.
              const { bytes } = await pool.compress(codec, level, input, chunk, out);
              output += bytes.length;
            }
          } finally {
            outputs.release(out);
          }
        };
        await Promise.all(Array.from({ length: Math.min(pool.depth, count) }, lane));
        return output;
      };
      // Untimed: starts every worker and its codec.
      await compressAll(Math.min(threads, slots.length));
      const runs: TimedRun[] = [];
      let output = 0;
      while (slots.length > 0 && wantAnotherRun(runs, RUNS)) {
        const started = performance.now();
        output = await compressAll(slots.length);
        runs.push({ bytes: slots.length * chunk, seconds: (performance.now() - started) / 1000 });
      }
      const input = slots.length * chunk;
      const estimate = rateEstimate(runs);
      // A hole (codec none, zeros) stores nothing; count at least one byte per chunk.
      const ratio = input === 0 ? 1 : input / Math.max(output, slots.length);
      return {
        codec,
        level,
        sampled: input,
        ratio,
        bytesPerSecond: estimate?.bytesPerSecond ?? 0,
        range: estimate?.range ?? [0, 0],
        runs: estimate?.runs ?? 0,
        threads,
        bytesToRead,
        expectedImage: Math.round(bytesToRead / ratio),
      };
    } finally {
      await pool.close();
    }
  } finally {
    await source.close();
  }
}
