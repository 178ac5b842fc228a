// A file made by the real `zstd`, decoded on its own thread: every byte comes back in order,
// a block handed out stays as it was until two more have been taken (the caller writes one
// while the next is decoded), whatever the block size against the worker's slots; a cut or
// changed file fails as zstd says; a cancel ends the thread.

import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededStream } from '../../test-support/seeded-bytes.js';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { workerThreadsStarted } from '../threads/worker-thread.js';
import { decodeZstdFileOnWorker } from './zstd-stream-thread.js';

const MiB = 2 ** 20;

describe('a zstd file decoded on a thread of its own', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plain: Buffer;
  let packed: string;

  beforeAll(async () => {
    dir = await tempDir();
    // Random bytes, then zeros: blocks that compress and blocks that do not.
    plain = Buffer.concat([
      seededStream('zstd-thread', 'plain')(13 * MiB),
      Buffer.alloc(9 * MiB + 12_345),
    ]);
    const source = join(dir.path, 'plain.img');
    await writeFile(source, plain);
    packed = join(dir.path, 'plain.img.zst');
    await sh(`zstd -q -3 -c ${q(source)} > ${q(packed)}`);
  }, 60_000);

  afterAll(() => dir?.remove());

  const sizeOf = async (path: string) => (await stat(path)).size;

  it('gives every byte in order; a block stays as it was until two more are taken', async () => {
    for (const blockSize of [256 * 1024, 3 * MiB, 6 * MiB]) {
      const held: Array<{ block: Buffer; at: number; copy: Buffer }> = [];
      let at = 0;
      let read = 0;
      for await (const block of decodeZstdFileOnWorker(
        packed,
        await sizeOf(packed),
        blockSize,
        (bytes) => (read += bytes),
        new AbortController().signal,
      )) {
        expect(block.byteLength).toBe(Math.min(blockSize, plain.byteLength - at));
        held.push({ block, at, copy: Buffer.from(block) });
        if (held.length > 3) held.shift();
        // The last three taken, this one included, still hold what they held when taken.
        for (const h of held) expect(h.block.equals(h.copy), `block at ${h.at}`).toBe(true);
        expect(block.equals(plain.subarray(at, at + block.byteLength))).toBe(true);
        at += block.byteLength;
      }
      expect(at, `block size ${blockSize}`).toBe(plain.byteLength);
      expect(read).toBe(await sizeOf(packed));
    }
  });

  it('a cut file and a changed byte fail as zstd says; nothing past the damage is given', async () => {
    const size = await sizeOf(packed);
    const cut = join(dir.path, 'cut.img.zst');
    await sh(`cp ${q(packed)} ${q(cut)}`);
    await truncate(cut, size - 1000);
    const changed = join(dir.path, 'changed.img.zst');
    const bytes = await readFile(packed);
    bytes[Math.floor(size / 3)]! ^= 0x40;
    await writeFile(changed, bytes);
    for (const [path, error] of [
      [cut, /truncated/],
      [changed, /./],
    ] as const) {
      let given = 0;
      const decoding = (async () => {
        for await (const block of decodeZstdFileOnWorker(
          path,
          await sizeOf(path),
          MiB,
          () => {},
          new AbortController().signal,
        )) {
          expect(block.equals(plain.subarray(given, given + block.byteLength))).toBe(true);
          given += block.byteLength;
        }
      })();
      await expect(decoding).rejects.toThrow(error);
      expect(given).toBeLessThan(plain.byteLength);
    }
  });

  it('a cancel ends the decoding, and its thread', async () => {
    const before = workerThreadsStarted();
    const cancel = new AbortController();
    let taken = 0;
    let cancelledAt = 0;
    const decoding = (async () => {
      for await (const block of decodeZstdFileOnWorker(
        packed,
        await sizeOf(packed),
        256 * 1024,
        () => {},
        cancel.signal,
      )) {
        void block;
        if (++taken === 5) {
          // Time for the worker to fill every slot (16 MiB decode in well under 0.1 s here)
          // and wait for one to come back.
          await sleep(500);
          cancelledAt = performance.now();
          cancel.abort();
        }
      }
    })();
    // The rejection comes once the thread has ended. By then the worker waits for a slot
    // (four of 4 MiB, five blocks of 256 KiB taken): only the stop flag's wake-up ends that
    // wait. A worker left waiting would be terminated after 30 s (worker-thread.ts).
    await expect(decoding).rejects.toThrow(/abort/i);
    expect(performance.now() - cancelledAt).toBeLessThan(10_000);
    expect(taken).toBe(5);
    expect(workerThreadsStarted() - before).toBe(1);
  });
});
