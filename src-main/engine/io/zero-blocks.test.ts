import { describe, expect, it } from 'vitest';
import { isAllZeros, nonZeroRuns } from './zero-blocks.js';

describe('nonZeroRuns', () => {
  it('leaves out whole zero blocks of the file, and merges what is left', () => {
    const data = Buffer.alloc(5 * 4096);
    data[100] = 1; // block 0
    data[4096 + 5] = 1; // block 1
    data[4 * 4096 + 4095] = 1; // block 4; 2 and 3 are zeros
    expect(nonZeroRuns(data, 0)).toEqual([
      [0, 2 * 4096],
      [4 * 4096, 5 * 4096],
    ]);
    expect(nonZeroRuns(Buffer.alloc(3 * 4096), 0)).toEqual([]);
  });

  it('follows the file’s block boundaries, not the buffer’s', () => {
    const data = Buffer.alloc(3 * 4096);
    data[0] = 1; // in the partial first block (file bytes 1000–4095)
    data[2 * 4096 + 10] = 1; // file byte 9202: block 2, which starts at data offset 7192
    expect(nonZeroRuns(data, 1000)).toEqual([
      [0, 3096],
      [7192, 11288],
    ]);
    // Offsets into a view that does not start at its buffer's start.
    const view = data.subarray(4096);
    expect(nonZeroRuns(view, 0)).toEqual([[4096, 8192]]);
  });
});

describe('isAllZeros', () => {
  it('finds a byte that is not zero anywhere in a range longer than its comparison buffer', () => {
    const size = 200 * 1024 + 7;
    expect(isAllZeros(Buffer.alloc(size))).toBe(true);
    expect(isAllZeros(Buffer.alloc(0))).toBe(true);
    for (const at of [0, 15, 16, 65_535, 65_536, 131_100, size - 1]) {
      const bytes = Buffer.alloc(size);
      bytes[at] = 1;
      expect(isAllZeros(bytes)).toBe(false);
    }
  });
});
