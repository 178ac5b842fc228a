import { describe, expect, it } from 'vitest';
import { defaultKeepFree, placeFrame } from './spill-policy.js';

const state = {
  memoryFrames: 4,
  memoryCapacity: 4,
  bytesOnDisk: 0,
  freeBytes: 100,
  diskRefused: false,
  codecBound: false,
  writerOnSpillDisk: false,
};
const limits = { cap: 50, keepFree: 20 };

describe('spill policy', () => {
  it('uses memory first, then disk within the cap and above the floor, else waits', () => {
    expect(placeFrame(10, { ...state, memoryFrames: 3 }, limits)).toBe('memory');
    expect(placeFrame(10, state, limits)).toBe('disk');
    expect(placeFrame(10, { ...state, bytesOnDisk: 45 }, limits)).toBe('wait');
    expect(placeFrame(10, { ...state, freeBytes: 29 }, limits)).toBe('wait');
    expect(placeFrame(10, { ...state, freeBytes: 30 }, limits)).toBe('disk');
    expect(placeFrame(10, { ...state, diskRefused: true }, limits)).toBe('wait');
    expect(placeFrame(10, state, null)).toBe('wait');
  });

  it('does not spill a backlog of compressors that already use every core', () => {
    expect(placeFrame(10, { ...state, codecBound: true }, limits)).toBe('wait');
    // Memory still takes what fits: only the disk is spared.
    expect(placeFrame(10, { ...state, memoryFrames: 3, codecBound: true }, limits)).toBe('memory');
  });

  it('does not spill onto the disk of a writer that is what the backlog waits for', () => {
    expect(placeFrame(10, { ...state, writerOnSpillDisk: true }, limits)).toBe('wait');
    expect(placeFrame(10, { ...state, memoryFrames: 3, writerOnSpillDisk: true }, limits)).toBe(
      'memory',
    );
  });

  it('keeps 5% or 2 GiB free, whichever is more', () => {
    expect(defaultKeepFree(10 * 2 ** 30)).toBe(2 * 2 ** 30);
    expect(defaultKeepFree(1000 * 2 ** 30)).toBe(50 * 2 ** 30);
  });
});
