// A quick sample of a drive, compressed at one codec and level, for the backup wizard's level
// control: how fast and how small, before committing to hours of work. A few chunks from the
// bytes the backup will read are compressed here, on one thread; speed is that thread's rate
// times the threads a backup would use (the pool scales about linearly per core).

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CodecName } from '../../../src-shared/manifest.js';
import { readAtOf } from '../blockmap/read-source.js';
import { usedBlockMap } from '../blockmap/used-block-map.js';
import { checkLevel } from '../backup/options.js';
import { frameCodec } from '../codecs/registry.js';
import { SpillwayError } from '../errors.js';
import { totalLength } from '../ranges.js';
import { openBackupSource } from '../source/backup-source.js';
import { samplePositions } from './sample-positions.js';

/** 8 chunks of 1 MiB: under a second at zstd -3, a few seconds at xz -9. */
const CHUNKS = 8;
const CHUNK = 2 ** 20;

export interface CompressionSample {
  codec: CodecName;
  level: number;
  /** Bytes compressed for this sample. */
  sampled: number;
  /** Uncompressed over compressed, for the sample. */
  ratio: number;
  /** Expected compression rate of a backup, uncompressed bytes per second, all threads. */
  bytesPerSecond: number;
  threads: number;
  /** Bytes a used-mode backup reads, and the image size the sample's ratio predicts. */
  bytesToRead: number;
  expectedImage: number;
}

export async function sampleCompression(
  path: string,
  codec: CodecName,
  level: number,
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
    const positions = samplePositions(map.read, CHUNKS, Math.min(CHUNK, bytesToRead));
    const frame = frameCodec(codec);
    let input = 0;
    let output = 0;
    let seconds = 0;
    for (const position of positions) {
      const chunk = await read(position, Math.min(CHUNK, bytesToRead));
      const out = new Uint8Array(frame.bound(chunk.length));
      const started = performance.now();
      const { length } = frame.compress(chunk, level, out);
      seconds += (performance.now() - started) / 1000;
      input += chunk.length;
      output += length;
    }
    const threads = availableParallelism();
    // A hole (codec none, zeros) stores nothing; count at least one byte per chunk.
    const ratio = input === 0 ? 1 : input / Math.max(output, positions.length);
    return {
      codec,
      level,
      sampled: input,
      ratio,
      bytesPerSecond: seconds > 0 ? (input / seconds) * threads : 0,
      threads,
      bytesToRead,
      expectedImage: Math.round(bytesToRead / ratio),
    };
  } finally {
    await source.close();
  }
}
