// Bounded memory: the peak RSS of a backup does not grow with the size of the drive.
// Sparse files stand in for big drives (holes read as zeros); random data is written at a
// few places so the compressors have real work too. Peak RSS comes from GNU time.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPILLWAY } from '../test-support/cli.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const GiB = 2 ** 30;

async function sparseDisk(path: string, bytes: number): Promise<void> {
  await sh(`truncate -s ${bytes} ${q(path)}`);
  for (const at of [0.1, 0.5, 0.9]) {
    const mib = Math.floor((bytes * at) / 2 ** 20);
    await sh(
      `head -c 64M /dev/urandom | dd of=${q(path)} bs=1M seek=${mib} conv=notrunc status=none`,
    );
  }
}

async function peakRssKiB(source: string, image: string): Promise<number> {
  const out = await sh(
    `/usr/bin/time -f '%M' ${q(SPILLWAY)} backup ${q(source)} ${q(image)} 2>&1 >/dev/null | tail -1`,
  );
  return Number(out.trim());
}

describe('memory', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  it('peak RSS of a 1 GiB and a 16 GiB backup differ by under 20% and stay under 300 MiB', async () => {
    const rss: number[] = [];
    for (const size of [1, 16]) {
      const disk = join(dir.path, `sparse-${size}.img`);
      await sparseDisk(disk, size * GiB);
      rss.push(await peakRssKiB(disk, join(dir.path, `sparse-${size}.img.zst`)));
      await sh(`rm -f ${q(disk)} ${q(join(dir.path, `sparse-${size}.img.zst`))}`);
    }
    const [small, large] = rss as [number, number];
    console.log(`peak RSS: 1 GiB source ${small} KiB, 16 GiB source ${large} KiB`);
    expect(Math.abs(large - small) / small).toBeLessThan(0.2);
    expect(Math.max(small, large)).toBeLessThan(300 * 1024);
  }, 300_000);
});
