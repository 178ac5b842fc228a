import { describe, expect, it } from 'vitest';
import {
  automaticPartSize,
  FAT32_PART_SIZE,
  locate,
  parsePartPath,
  partPath,
} from './part-names.js';

describe('split part names', () => {
  it('numbers parts with three digits and reads them back', () => {
    expect(partPath('/x/disk.img.zst', 0)).toBe('/x/disk.img.zst.000');
    expect(partPath('disk.img.gz', 12)).toBe('disk.img.gz.012');
    expect(parsePartPath('/x/disk.img.zst.007')).toEqual({ image: '/x/disk.img.zst', index: 7 });
    expect(parsePartPath('/x/disk.img.zst')).toBeNull();
    expect(parsePartPath('/x/disk.img.zst.1')).toBeNull();
  });

  it('splits automatically on FAT (statfs type 0x4d44) only, below 4 GiB', () => {
    expect(automaticPartSize(0x4d44)).toBe(FAT32_PART_SIZE);
    expect(FAT32_PART_SIZE).toBeLessThan(4 * 2 ** 30);
    expect(automaticPartSize(0xef53)).toBeNull(); // ext4
    expect(automaticPartSize(0x2011bab0)).toBeNull(); // exFAT holds large files
  });

  it('locates a stream position in its part', () => {
    expect(locate(0, 100)).toEqual({ part: 0, offset: 0 });
    expect(locate(99, 100)).toEqual({ part: 0, offset: 99 });
    expect(locate(100, 100)).toEqual({ part: 1, offset: 0 });
    expect(locate(250, 100)).toEqual({ part: 2, offset: 50 });
  });
});
