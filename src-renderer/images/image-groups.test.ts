// The Images screen's groups: by the drive, not by the /dev name it had, newest first.

import { describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../src-shared/api.js';
import { imageRecord } from '../../src-main/test-support/records.js';
import { imageGroups } from './image-groups.js';

const stickA = { serial: 'AA01', model: 'Cruzer Blade', size: 16e9 };
const stickB = { serial: 'BB02', model: 'Cruzer Blade', size: 16e9 };

/** An image made here at `madeAt`, of no listed drive unless `fields` names one. */
const image = (path: string, madeAt: number, fields: Partial<ImageRecord>): ImageRecord =>
  imageRecord({
    path,
    madeAt,
    verifiedAt: madeAt + 1,
    lastUsedAt: madeAt + 1,
    drive: undefined,
    ...fields,
  });

describe('the images grouped by drive', () => {
  it('two drives that swapped /dev names between backups: one group each', () => {
    // Newest first, as listImages gives them.
    const images = [
      image('/b/a-3.img.zst', 400, { drive: stickA, source: '/dev/sdc' }),
      image('/b/b-2.img.zst', 300, { drive: stickB, source: '/dev/sdb' }),
      image('/b/a-1.img.zst', 200, { drive: stickA, source: '/dev/sdb' }),
      image('/b/b-1.img.zst', 100, { drive: stickB, source: '/dev/sdc' }),
    ];
    const groups = imageGroups(images);
    expect(groups.map((g) => [g.drive, g.images.map((i) => i.path)])).toEqual([
      [stickA, ['/b/a-3.img.zst', '/b/a-1.img.zst']],
      [stickB, ['/b/b-2.img.zst', '/b/b-1.img.zst']],
    ]);
    // The group's source is where its newest image was read from.
    expect(groups[0]!.source).toBe('/dev/sdc');
  });

  it('newest first whatever order they come in; groups by their newest image', () => {
    const groups = imageGroups([
      image('/b/b-1.img.zst', 100, { drive: stickB }),
      image('/b/a-1.img.zst', 200, { drive: stickA }),
      image('/b/b-2.img.zst', 300, { drive: stickB }),
    ]);
    expect(groups.map((g) => g.images.map((i) => i.path))).toEqual([
      ['/b/b-2.img.zst', '/b/b-1.img.zst'],
      ['/b/a-1.img.zst'],
    ]);
  });

  it('without a drive, by the path read; other tools’ images last', () => {
    const groups = imageGroups([
      image('/b/other.img.gz', 500, { madeHere: false, source: null, madeAt: null }),
      image('/b/disk-2.img.zst', 400, { source: '/srv/disk.img' }),
      image('/b/sdb.img.zst', 300, { source: '/dev/sdb' }),
      image('/b/disk-1.img.zst', 200, { source: '/srv/disk.img' }),
    ]);
    expect(groups.map((g) => [g.key, g.source, g.images.length])).toEqual([
      ['path:/srv/disk.img', '/srv/disk.img', 2],
      ['path:/dev/sdb', '/dev/sdb', 1],
      [null, null, 1],
    ]);
  });
});
