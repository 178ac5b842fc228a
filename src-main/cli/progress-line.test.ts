import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src-shared/protocol/events.js';
import { progressLine } from './progress-line.js';

const event: ProgressEvent = {
  type: 'progress',
  t: 0,
  job: 'backup',
  phase: 'reading',
  elapsed: 12,
  streamTotal: 4 * 2 ** 30,
  streamDone: 2 ** 30,
  bytesRead: 2 ** 30,
  bytesToRead: 4 * 2 ** 30,
  bytesWritten: 2 ** 29,
  readRate: 100 * 2 ** 20,
  codecRate: 100 * 2 ** 20,
  writeRate: 50 * 2 ** 20,
  ratio: 2,
  eta: 30,
  bottleneck: 'codec',
  level: 3,
  spill: null,
  destinationFree: null,
};

describe('progress line', () => {
  it('shows amount, both rates, ratio, bottleneck, elapsed, ETA and a bar', () => {
    const line = progressLine(event, 200);
    expect(line).toContain('1.00 GiB / 4.00 GiB');
    expect(line).toContain('read 100 MiB/s');
    expect(line).toContain('write 50.0 MiB/s');
    expect(line).toContain('×2.00');
    expect(line).toContain('bottleneck: compression');
    expect(line).toContain('ETA 0:30');
    expect(line).toMatch(/25% \[=+>\s+\]$/);
  });

  it('fits a narrow terminal', () => {
    expect(progressLine(event, 60).length).toBeLessThan(60);
  });
});
