import { describe, expect, it } from 'vitest';
import { pickBottleneck } from './bottleneck.js';

describe('bottleneck', () => {
  it('names the stage that is busy all the time for the least throughput', () => {
    expect(
      pickBottleneck({
        read: { rate: 400e6, utilization: 0.3 },
        codec: { rate: 400e6, utilization: 1 },
        write: { rate: 400e6, utilization: 0.2 },
      }),
    ).toBe('codec');
  });

  it('names a slow writer even when the reader is busier (the spill absorbs the reader)', () => {
    expect(
      pickBottleneck({
        read: { rate: 1000e6, utilization: 0.9 },
        codec: { rate: 100e6, utilization: 0.1 },
        write: { rate: 100e6, utilization: 1 },
      }),
    ).toBe('write');
  });

  it('leaves out idle or finished stages, and says nothing without figures', () => {
    expect(
      pickBottleneck({
        read: { rate: 0, utilization: 0 },
        codec: { rate: 300e6, utilization: 0.5 },
        write: { rate: 300e6, utilization: 0.9 },
      }),
    ).toBe('write');
    expect(
      pickBottleneck({
        read: { rate: null, utilization: null },
        codec: { rate: null, utilization: null },
        write: { rate: null, utilization: null },
      }),
    ).toBeNull();
  });
});
