import { describe, expect, it } from 'vitest';
import { SlotArena } from './slot-arena.js';

describe('SlotArena', () => {
  it('hands out each slot once and waits when all are taken', async () => {
    const arena = new SlotArena(16, 2);
    const a = await arena.acquire();
    const b = await arena.acquire();
    expect(a.index).not.toBe(b.index);
    let third: number | null = null;
    const waiting = arena.acquire().then((slot) => (third = slot.index));
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBeNull();
    arena.release(a);
    await waiting;
    expect(third).toBe(a.index);
  });

  it('views of a slot share memory and stay inside it', async () => {
    const arena = new SlotArena(8, 2);
    const slot = await arena.acquire();
    slot.bytes(4).fill(7);
    expect([...slot.bytes(8)].slice(0, 5)).toEqual([7, 7, 7, 7, 0]);
    expect(() => slot.bytes(9)).toThrow(/do not fit/);
  });

  it('stops waiting when the job is stopped', async () => {
    const arena = new SlotArena(8, 1);
    await arena.acquire();
    const stop = new AbortController();
    const waiting = arena.acquire(stop.signal);
    stop.abort(new Error('stage failed'));
    await expect(waiting).rejects.toThrow('stage failed');
  });

  it('a held slot comes back only once its holder is done, released before or after', async () => {
    const arena = new SlotArena(8, 1);
    const slot = await arena.acquire();
    let finishReading!: () => void;
    arena.hold(slot, new Promise<void>((resolve) => (finishReading = resolve)));
    let next: number | null = null;
    const waiting = arena.acquire().then((s) => (next = s.index));
    arena.release(slot);
    await new Promise((r) => setTimeout(r, 5));
    expect(next).toBeNull(); // released, but still being read
    finishReading();
    await waiting;
    expect(next).toBe(slot.index);

    // Done reading before the release: the release hands it out at once.
    arena.hold(slot, Promise.resolve());
    await new Promise((r) => setTimeout(r, 0));
    arena.release(slot);
    expect(arena.available).toBe(1);
  });

  it('a holder that fails lets go of the slot too', async () => {
    const arena = new SlotArena(8, 1);
    const slot = await arena.acquire();
    arena.hold(slot, Promise.reject(new Error('digest stopped')));
    arena.release(slot);
    expect((await arena.acquire()).index).toBe(slot.index);
  });
});
