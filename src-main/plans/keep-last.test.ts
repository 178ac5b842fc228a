// Keep the last N: exactly the oldest beyond N go, only once the new image is verified, never
// one outside the plan's folder, never the only verified image.

import { describe, expect, it } from 'vitest';
import { planPruning, spaceFreedAfterNext, type KeptImage } from './keep-last.js';

const folder = '/media/backup/ssd';
const image = (day: number, verified = true, where = folder): KeptImage => ({
  path: `${where}/ssd-2026-12-0${day}.img.zst`,
  createdAt: Date.UTC(2026, 11, day),
  verified,
  bytes: day * 1000,
});

describe('keep the last N', () => {
  const old = [image(1), image(2), image(3), image(4)];
  const made = image(5);

  it('deletes exactly the oldest beyond N, the new image counted', () => {
    const pruning = planPruning({ images: [...old, made], newImage: made.path, folder, keep: 3 });
    expect(pruning.deletes.map((i) => i.path)).toEqual([image(2).path, image(1).path]);
    expect(pruning.freed).toBe(3000);
    // Keep 1: only the new one stays.
    const one = planPruning({ images: [...old, made], newImage: made.path, folder, keep: 1 });
    expect(one.deletes).toHaveLength(4);
    expect(one.deletes.map((i) => i.path)).not.toContain(made.path);
  });

  it('deletes nothing before the new image is verified, nor when keeping all', () => {
    const unverified = image(5, false);
    expect(
      planPruning({ images: [...old, unverified], newImage: unverified.path, folder, keep: 1 }),
    ).toEqual({ deletes: [], freed: 0, held: 'new-image-not-verified' });
    // Not in the list at all: not known to be verified either.
    expect(planPruning({ images: old, newImage: made.path, folder, keep: 1 }).deletes).toEqual([]);
    expect(
      planPruning({ images: [...old, made], newImage: made.path, folder, keep: null }),
    ).toEqual({ deletes: [], freed: 0, held: 'keep-all' });
  });

  it('never deletes an image outside the plan’s folder', () => {
    const elsewhere = [image(1, true, '/media/other'), image(2, true, `${folder}/sub`)];
    const sneaky = { ...image(3), path: `${folder}/../other/x.img.zst` };
    const pruning = planPruning({
      images: [...elsewhere, sneaky, made],
      newImage: made.path,
      folder,
      keep: 1,
    });
    expect(pruning.deletes).toEqual([]);
  });

  it('never deletes the only verified image', () => {
    // The only verified one is the new one, and it is always kept.
    const unverifiedOld = [image(1, false), image(2, false)];
    const pruning = planPruning({
      images: [...unverifiedOld, made],
      newImage: `${folder}/./ssd-2026-12-05.img.zst`,
      folder: `${folder}/`,
      keep: 1,
    });
    expect(pruning.deletes.map((i) => i.path).sort()).toEqual(unverifiedOld.map((i) => i.path));
    expect(pruning.deletes.some((i) => i.verified)).toBe(false);
  });

  it('says before a backup how much deleting the oldest will free', () => {
    expect(spaceFreedAfterNext({ images: old, folder, keep: 3 })).toBe(1000 + 2000);
    expect(spaceFreedAfterNext({ images: old, folder, keep: 5 })).toBe(0);
    expect(spaceFreedAfterNext({ images: old, folder, keep: null })).toBe(0);
  });
});
