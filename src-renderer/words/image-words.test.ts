// What the Images screen says of a drive's group and of what an image shares with the one
// before: true to the facts, silent where a reason would not help.

import { describe, expect, it } from 'vitest';
import type { SharedWithPrevious } from '../../src-shared/shared-frames.js';
import type { ImageGroup } from '../images/image-groups.js';
import { groupHeading, sharingWords } from './image-words.js';

const GiB = 2 ** 30;
const before = '/b/stick-1.img.zst';

function shares(framesShared: number, framesTotal: number, bytesShared: number) {
  return { image: before, comparable: true, framesShared, framesTotal, bytesShared } as const;
}

describe('what an image shares with the one before', () => {
  it('a share in percent (rounded down) and bytes', () => {
    expect(sharingWords(shares(970, 1000, 3.6 * GiB), before)).toBe(
      'Shares 97% (3.60 GiB) with the image before.',
    );
    expect(sharingWords(shares(999, 1000, 3.9 * GiB), before)).toBe(
      'Shares 99% (3.90 GiB) with the image before.',
    );
    expect(sharingWords(shares(1, 1000, 4 * 2 ** 20), before)).toBe(
      'Shares less than 1% (4.00 MiB) with the image before.',
    );
  });

  it('all, nothing', () => {
    expect(sharingWords(shares(4, 4, 16 * 2 ** 20), before)).toBe(
      'Shares everything (16.0 MiB) with the image before.',
    );
    expect(sharingWords(shares(0, 4, 0), before)).toBe('Shares nothing with the image before.');
  });

  it('names the image compared with when it is not the one listed below', () => {
    expect(sharingWords(shares(2, 4, 8 * 2 ** 20), '/b/stick-2.img.zst')).toBe(
      'Shares 50% (8.00 MiB) with stick-1.img.zst.',
    );
  });

  it('not comparable: why, briefly; nothing when the reason would not help', () => {
    const not = (reason: Extract<SharedWithPrevious, { comparable: false }>['reason']) =>
      sharingWords({ image: before, comparable: false, reason }, before);
    expect(not('other-level')).toBe(
      'Not compared with the image before: they are compressed at different levels.',
    );
    expect(not('no-frame-hashes')).toBe(
      'Not compared with the image before: one of them was made by an older Spillway.',
    );
    expect(not('unreadable')).toBeNull();
    expect(not('not-spillway')).toBeNull();
  });
});

describe('a group’s heading', () => {
  const drive = { serial: 'AA01', model: 'Cruzer Blade', size: 16 * GiB };
  const group: ImageGroup = { key: 'serial:AA01', drive, source: '/dev/sdb', images: [] };

  it('the listed drive’s name while it is plugged in, else its model; its capacity', () => {
    const listed = [{ description: 'SanDisk Cruzer Blade', identity: drive }];
    expect(groupHeading(group, listed)).toEqual({
      name: 'SanDisk Cruzer Blade',
      capacity: '16.0 GiB',
      serial: 'AA01',
    });
    // Another drive of the same model plugged in is not it.
    const other = [{ description: 'SanDisk Cruzer Blade', identity: { ...drive, serial: 'B' } }];
    expect(groupHeading(group, other).name).toBe('Cruzer Blade');
  });

  it('a file: its path; other tools’ images', () => {
    expect(
      groupHeading(
        { key: 'path:/srv/disk.img', drive: null, source: '/srv/disk.img', images: [] },
        [],
      ),
    ).toEqual({ name: '/srv/disk.img', capacity: null, serial: null });
    expect(groupHeading({ key: null, drive: null, source: null, images: [] }, []).name).toBe(
      'Made by other tools',
    );
  });
});
