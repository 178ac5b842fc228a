import { describe, expect, it } from 'vitest';
import { parseMountinfo } from './mounts.js';
import { devnumOf } from './devnum.js';

describe('mountinfo', () => {
  it('parses fields around the optional ones and unescapes paths', () => {
    const text = [
      '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      '90 22 7:1 / /media/my\\040stick rw,nosuid shared:40 master:2 - vfat /dev/loop1p1 rw',
    ].join('\n');
    expect(parseMountinfo(text)).toEqual([
      { devnum: '254:0', mountPoint: '/', fsType: 'ext4', source: '/dev/vda' },
      { devnum: '7:1', mountPoint: '/media/my stick', fsType: 'vfat', source: '/dev/loop1p1' },
    ]);
  });

  it('splits device numbers as glibc does', () => {
    expect(devnumOf(0x0801)).toBe('8:1');
    expect(devnumOf(259 * 256 + 3)).toBe('259:3');
    // minor numbers above 255 use the high bits
    expect(devnumOf((7 << 8) | 0x00100000 | 4)).toBe('7:260');
  });
});
