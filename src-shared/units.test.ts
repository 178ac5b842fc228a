import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseSize } from './units.js';

describe('sizes', () => {
  it('parses binary and decimal units as dd and drive labels use them', () => {
    expect(parseSize('4M')).toBe(4 * 2 ** 20);
    expect(parseSize('64MiB')).toBe(64 * 2 ** 20);
    expect(parseSize('2g')).toBe(2 * 2 ** 30);
    expect(parseSize('100MB')).toBe(100e6);
    expect(parseSize('1.5K')).toBe(1536);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('100M/s')).toBe(100 * 2 ** 20);
  });

  it('rejects what is not a size', () => {
    expect(() => parseSize('fast')).toThrow(/not a size/);
    expect(() => parseSize('4X')).toThrow(/unknown unit/);
    expect(() => parseSize('-4M')).toThrow();
  });

  it('formats like ls -h', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(160 * 2 ** 20)).toBe('160 MiB');
    expect(formatBytes(2.5 * 2 ** 30)).toBe('2.50 GiB');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('--:--');
  });
});
