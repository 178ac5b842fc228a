// An image whose frames are each intact but in the wrong order (two swapped, the index
// adjusted): every per-frame checksum passes, only the stream's digests can tell (the
// whole-stream SHA-256, the digest of the frames' XXH64s). Verify says so; restore refuses
// before writing, or, told not to check first, reports a damaged image, not a failing drive.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeSeekTable,
  parseSeekFooter,
  parseSeekTable,
  SEEK_FOOTER_BYTES,
} from '../engine/format/seekable/zstd-seekable.js';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { tempDir } from '../test-support/temp-dir.js';

describe('swapped frames', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let swapped: string;

  beforeAll(async () => {
    dir = await tempDir();
    const source = join(dir.path, 'disk.img');
    await randomFile(source, 2 * 64 * 1024 * 3, 'swap');
    const image = join(dir.path, 'disk.img.zst');
    expect((await spillway(['backup', source, image, '--frame-size', '64K'])).code).toBe(0);

    // Swap data frames 1 and 2 (entries 2 and 3: entry 0 is the header frame).
    const bytes = await readFile(image);
    const footer = parseSeekFooter(bytes.subarray(bytes.length - SEEK_FOOTER_BYTES), bytes.length)!;
    const tableAt = bytes.length - footer.tableBytes;
    const entries = parseSeekTable(bytes.subarray(tableAt), footer);
    const offsets = entries.reduce<number[]>(
      (list, e, i) => [...list, (list[i - 1] ?? 0) + (entries[i - 1]?.compressedSize ?? 0)],
      [],
    );
    const frame = (i: number) =>
      bytes.subarray(offsets[i]!, offsets[i]! + entries[i]!.compressedSize);
    const reordered = [entries[0]!, entries[1]!, entries[3]!, entries[2]!, ...entries.slice(4)];
    const body = Buffer.concat([
      frame(0),
      frame(1),
      frame(3),
      frame(2),
      ...entries.slice(4).map((_, k) => frame(k + 4)),
    ]);
    swapped = join(dir.path, 'swapped.img.zst');
    await writeFile(swapped, Buffer.concat([body, encodeSeekTable(reordered)]));
  });
  afterAll(() => dir?.remove());

  it('verify: every frame decodes, the SHA-256 does not match', async () => {
    const result = await spillway(['verify', swapped]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      'every frame decodes, but the SHA-256 of the whole image is not the one recorded',
    );
  });

  it('restore: the image is refused before anything is written', async () => {
    const target = join(dir.path, 'target.img');
    const result = await spillway(['restore', swapped, target, '--yes']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /The image is damaged: every frame decodes, but they are not the frames the backup recorded, in that order\. Nothing was written\./,
    );
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  it('restore --no-check: found once written, and the drive is not blamed', async () => {
    const target = join(dir.path, 'unchecked.img');
    const result = await spillway(['restore', swapped, target, '--yes', '--no-check']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/they are not the frames the backup recorded, in that order/);
    expect(result.stderr).not.toMatch(/did not read back/);
  });
});
