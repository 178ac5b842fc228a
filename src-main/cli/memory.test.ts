// Bounded memory: the peak RSS of a backup does not grow with the size of the drive.
// Sparse files stand in for big drives (holes read as zeros); random data is written at a
// few places so the compressors have real work too. Peak RSS comes from GNU time.
// lz4 has its own case: its binding returns every result in a native buffer that only a
// collection frees (see engine/codecs/native-garbage.ts); before that was handled, its peak
// was 340 MiB on these sources and grew with the drive on real data.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPILLWAY } from '../test-support/cli.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const GiB = 2 ** 30;

/** `where`: the places of 64 MiB of random data each, as fractions of the size. */
async function sparseDisk(path: string, bytes: number, where = [0.1, 0.5, 0.9]): Promise<void> {
  await sh(`truncate -s ${bytes} ${q(path)}`);
  for (const at of where) {
    const mib = Math.floor((bytes * at) / 2 ** 20);
    await sh(
      `head -c 64M /dev/urandom | dd of=${q(path)} bs=1M seek=${mib} conv=notrunc status=none`,
    );
  }
}

async function peakRssKiB(source: string, image: string, flags = ''): Promise<number> {
  const out = await sh(
    `/usr/bin/time -f '%M' ${q(SPILLWAY)} backup ${flags} ${q(source)} ${q(image)} 2>&1 >/dev/null | tail -1`,
  );
  return Number(out.trim());
}

/** Peak RSS (KiB) of a backup of a sparse source of each size, in order. */
async function peaks(
  dir: string,
  sizesGiB: number[],
  image: string,
  options: { flags?: string; where?: (sizeGiB: number) => number[] } = {},
) {
  const { flags = '', where } = options;
  const rss: number[] = [];
  for (const size of sizesGiB) {
    const disk = join(dir, `sparse-${size}.img`);
    await sparseDisk(disk, size * GiB, where?.(size));
    rss.push(await peakRssKiB(disk, join(dir, image), flags));
    await sh(`rm -f ${q(disk)} ${q(join(dir, image))}`);
  }
  return rss;
}

describe('memory', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  it('peak RSS of a 1 GiB and a 16 GiB backup differ by under 20% and stay under 300 MiB', async () => {
    const [small, large] = (await peaks(dir.path, [1, 16], 'sparse.img.zst')) as [number, number];
    console.log(`peak RSS: 1 GiB source ${small} KiB, 16 GiB source ${large} KiB`);
    expect(Math.abs(large - small) / small).toBeLessThan(0.2);
    expect(Math.max(small, large)).toBeLessThan(300 * 1024);
  }, 300_000);

  it('lz4: peak RSS of a 1 GiB and a 4 GiB backup differ by under 20% and stay under 300 MiB', async () => {
    // A quarter of each source is random data: what piled up was one native buffer per frame
    // of real data, so the larger source also has four times as many of those frames.
    const quarter = (sizeGiB: number) =>
      Array.from({ length: sizeGiB * 4 }, (_, i) => i / (sizeGiB * 4));
    const [small, large] = (await peaks(dir.path, [1, 4], 'sparse.img.lz4', {
      flags: '--codec lz4',
      where: quarter,
    })) as [number, number];
    console.log(`lz4 peak RSS: 1 GiB source ${small} KiB, 4 GiB source ${large} KiB`);
    expect(Math.abs(large - small) / small).toBeLessThan(0.2);
    expect(Math.max(small, large)).toBeLessThan(300 * 1024);
  }, 300_000);
});
