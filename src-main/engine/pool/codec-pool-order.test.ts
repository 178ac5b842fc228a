// A backup's encrypting sink seals its batches on the job's codec pool, beside the frames
// being compressed: a batch goes ahead of the compress jobs still waiting for a worker (the
// image's writer waits for it), batches keep their order among themselves, and the jobs a
// worker already holds are not overtaken. One real worker, real zstd and ChaCha20-Poly1305.

import { randomFillSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { BATCH_CHUNKS, CHUNK_SIZE, SEALED_CHUNK_SIZE } from '../sealing/payload-chunks.js';
import { CodecPool } from './codec-pool.js';
import { SlotArena } from './slot-arena.js';

const FRAME = 4 * 2 ** 20;
const BATCH = BATCH_CHUNKS * CHUNK_SIZE;
const FRAMES = 4;

describe('sealing on a pool that compresses', () => {
  const pool = new CodecPool(1);
  afterAll(() => pool.close());
  const inputs = new SlotArena(FRAME, FRAMES);
  const outputs = new SlotArena(CODEC_INFO.zstd.bound(FRAME), FRAMES);
  const plain = new SlotArena(BATCH, 2);
  const sealed = new SlotArena(BATCH_CHUNKS * SEALED_CHUNK_SIZE, 2);
  const key = Buffer.alloc(32, 7);

  it('runs a batch before the compress jobs waiting, after those the worker holds', async () => {
    const order: string[] = [];
    const jobs: Array<Promise<unknown>> = [];
    for (let i = 0; i < FRAMES; i++) {
      const input = await inputs.acquire();
      randomFillSync(input.bytes());
      const output = await outputs.acquire();
      jobs.push(
        pool.compress('zstd', 3, input, FRAME, output).then(() => order.push(`frame ${i}`)),
      );
    }
    for (let b = 0; b < 2; b++) {
      const slot = await plain.acquire();
      const out = await sealed.acquire();
      jobs.push(
        pool.seal(key, b * BATCH_CHUNKS, b === 1, slot, BATCH, out).then((bytes) => {
          expect(bytes.byteLength).toBe(BATCH_CHUNKS * SEALED_CHUNK_SIZE);
          order.push(`batch ${b}`);
        }),
      );
    }
    await Promise.all(jobs);
    // The worker holds two jobs at once (DEPTH): frames 0 and 1 were posted to it already.
    expect(order).toEqual(['frame 0', 'frame 1', 'batch 0', 'batch 1', 'frame 2', 'frame 3']);
  });
});
