import { describe, expect, it } from 'vitest';
import { spaceNote } from './space-note.js';

const MIB = 2 ** 20;
const image = (name: string, createdAt: number, bytes: number) => ({
  path: `/media/b/${name}`,
  createdAt,
  verified: true,
  bytes,
});
const images = [image('c', 3, 10 * MIB), image('b', 2, 9 * MIB), image('a', 1, 8 * MIB)];

describe('the space note before a planned backup', () => {
  it('says nothing when the last image fits, or when nothing is known', () => {
    expect(
      spaceNote({ folder: '/media/b', free: 26 * MIB, reserve: 16 * MIB, images, keep: 2 }),
    ).toBeNull();
    expect(
      spaceNote({ folder: '/media/b', free: 0, reserve: 16 * MIB, images: [], keep: 2 }),
    ).toBeNull();
  });

  it('says what deleting beyond N would free once the new image verified', () => {
    // Keep 2: after the next one, the two oldest (9 + 8 MiB) go.
    expect(
      spaceNote({ folder: '/media/b', free: 20 * MIB, reserve: 16 * MIB, images, keep: 2 }),
    ).toBe(
      '/media/b has 20.0 MiB free, of which a backup leaves 16.0 MiB unused, and this ' +
        "drive's last image took 10.0 MiB: the new one may " +
        "not fit. Once it is made and verified, deleting this drive's oldest images there " +
        'frees 17.0 MiB.',
    );
    expect(
      spaceNote({ folder: '/media/b', free: 20 * MIB, reserve: 16 * MIB, images, keep: null }),
    ).toMatch(/may not fit\.$/);
  });
});
