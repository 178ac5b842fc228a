import { describe, expect, it } from 'vitest';
import { imageStamp, imageStem, nameTaken, uniqueImageName } from './image-names.js';

const at = new Date(2026, 10, 22, 10, 30, 15);

describe('default image names', () => {
  it('hold the drive’s name, the day and the time', () => {
    expect(imageStamp(at)).toBe('2026-11-22-1030');
    expect(uniqueImageName('/dev/sdb', '.img.zst', at, new Set())).toBe(
      'sdb-2026-11-22-1030.img.zst',
    );
    expect(imageStem('/images/old disk.img.gz')).toBe('old-disk');
    expect(imageStem('-')).toBe('stdin');
  });

  it('never collide: -2, -3 … within the same minute, parts and partial images included', () => {
    const names = new Set(['sdb-2026-11-22-1030.img.zst']);
    expect(uniqueImageName('/dev/sdb', '.img.zst', at, names)).toBe(
      'sdb-2026-11-22-1030-2.img.zst',
    );
    names.add('sdb-2026-11-22-1030-2.img.zst.000');
    names.add('sdb-2026-11-22-1030-3.img.zst.incomplete');
    expect(uniqueImageName('/dev/sdb', '.img.zst', at, names)).toBe(
      'sdb-2026-11-22-1030-4.img.zst',
    );
    // Another codec's image of the same minute is no collision.
    expect(uniqueImageName('/dev/sdb', '.img.xz', at, names)).toBe('sdb-2026-11-22-1030.img.xz');
  });

  it('a name is taken by the image, its first part or one being written', () => {
    expect(nameTaken('a.img.zst', new Set(['a.img.zst']))).toBe(true);
    expect(nameTaken('a.img.zst', new Set(['a.img.zst.000']))).toBe(true);
    expect(nameTaken('a.img.zst', new Set(['a.img.zst.incomplete']))).toBe(true);
    expect(nameTaken('a.img.zst', new Set(['a.img.xz']))).toBe(false);
  });
});
