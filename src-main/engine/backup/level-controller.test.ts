import { describe, expect, it } from 'vitest';
import { LevelController } from './level-controller.js';

describe('adaptive level', () => {
  it('steps down while the backlog keeps growing, never below min', () => {
    const c = new LevelController({ min: 1, max: 9 }, 5, 4, 500);
    const levels = [0, 600, 1200, 1800, 2400, 3000, 3600].map((t, i) =>
      c.next({ t, backlog: 4 + i * 3, codecUtilization: 1 }),
    );
    expect(levels).toEqual([4, 3, 2, 1, 1, 1, 1]);
  });

  it('steps up while nothing waits and the workers are idle, never above max', () => {
    const c = new LevelController({ min: 1, max: 6 }, 3, 4, 500);
    const levels = [0, 600, 1200, 1800, 2400].map((t) =>
      c.next({ t, backlog: 0, codecUtilization: 0.3 }),
    );
    expect(levels).toEqual([4, 5, 6, 6, 6]);
  });

  it('holds still between steps and when the backlog is steady', () => {
    const c = new LevelController({ min: 1, max: 9 }, 5, 4, 500);
    expect(c.next({ t: 0, backlog: 10, codecUtilization: 1 })).toBe(4);
    expect(c.next({ t: 100, backlog: 20, codecUtilization: 1 })).toBe(4);
    expect(c.next({ t: 700, backlog: 10, codecUtilization: 1 })).toBe(4);
    expect(c.next({ t: 1400, backlog: 3, codecUtilization: 0.9 })).toBe(4);
  });
});
