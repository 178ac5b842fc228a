import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawFrame } from '../frames/frame.js';
import { SlotArena } from '../pool/slot-arena.js';
import { SegmentStore } from './segment-store.js';
import { SpillBuffer } from './spill-buffer.js';

async function frame(arena: SlotArena, index: number): Promise<RawFrame> {
  const slot = await arena.acquire();
  const data = slot.bytes(16);
  // Frames 0, 5, 10… hold only zeros and say so, as the reader says of a frame it read
  // nothing into; the others hold their index.
  const zeros = index % 5 === 0;
  data.fill(zeros ? 0 : index);
  return { index, offset: index * 16, slot, data, ...(zeros ? { zeros } : {}) };
}

/** The byte `frame` fills frame `index` with. */
const fillOf = (index: number) => (index % 5 === 0 ? 0 : index);

const signal = new AbortController().signal;

describe('SpillBuffer', () => {
  it('without a disk, the sender waits while memory is full, and frames come out in order', async () => {
    const arena = new SlotArena(16, 8);
    const buffer = new SpillBuffer({ arena, memoryFrames: 2, store: null, limits: null, signal });
    const sent: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await buffer.send(await frame(arena, i));
        sent.push(i);
      }
      buffer.close();
    })();
    await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual([0, 1]);
    const received: number[] = [];
    for await (const f of buffer) {
      expect(f.data[0]).toBe(fillOf(f.index));
      received.push(f.index);
      arena.release(f.slot);
    }
    await producer;
    expect(received).toEqual([0, 1, 2, 3, 4]);
  });

  it('spills to disk without waiting, gives frames back in order, and deletes drained segments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spill-test-'));
    try {
      const arena = new SlotArena(16, 4);
      const store = new SegmentStore(dir, 64);
      const buffer = new SpillBuffer({
        arena,
        memoryFrames: 1,
        store,
        limits: { cap: 1024, keepFree: 0 },
        signal,
      });
      for (let i = 0; i < 10; i++) await buffer.send(await frame(arena, i));
      buffer.close();
      expect(buffer.figures()?.bytes).toBe(9 * 16);
      expect(buffer.backlog).toBe(10);
      const received: number[] = [];
      for await (const f of buffer) {
        expect([...f.data]).toEqual(new Array(16).fill(fillOf(f.index)));
        // Spilled (5) or not (0), a frame of zeros is still known as one.
        expect(f.zeros ?? false).toBe(f.index % 5 === 0);
        received.push(f.index);
        arena.release(f.slot);
      }
      expect(received).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(buffer.figures()?.bytes).toBe(0);
      expect(buffer.figures()?.peak).toBe(9 * 16);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails both sides', async () => {
    const arena = new SlotArena(16, 4);
    const buffer = new SpillBuffer({ arena, memoryFrames: 1, store: null, limits: null, signal });
    await buffer.send(await frame(arena, 0));
    const blocked = buffer.send(await frame(arena, 1));
    buffer.fail(new Error('boom'));
    await expect(blocked).rejects.toThrow('boom');
    await expect(buffer.receive()).rejects.toThrow('boom');
  });

  it('a failure while the sender measures the disk still ends its wait (no hang)', async () => {
    // Seen in CI: the destination filled up while the reader was asking the spill volume for
    // its free space; the failure's wake-up came before the reader began to wait, and the
    // backup hung for good.
    const dir = await mkdtemp(join(tmpdir(), 'spill-test-'));
    try {
      const arena = new SlotArena(16, 4);
      const buffer = new SpillBuffer({
        arena,
        memoryFrames: 1,
        store: new SegmentStore(dir, 64),
        limits: { cap: 0, keepFree: 0 },
        signal,
      });
      await buffer.send(await frame(arena, 0));
      const second = await frame(arena, 1);
      const blocked = buffer.send(second); // memory full: goes to statfs() first
      buffer.fail(new Error('destination full'));
      const outcome = await Promise.race([
        blocked.then(
          () => 'sent',
          (error: Error) => error.message,
        ),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2000)),
      ]);
      expect(outcome).toBe('destination full');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
