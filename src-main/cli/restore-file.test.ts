// Restoring into a file: a file the restore creates gets holes where the drive holds blocks
// of zeros (as `zstd -d` does), taking less disk than its size; an existing file is written
// whole, since its old bytes would otherwise show through the holes.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../test-support/cli.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;

describe.skipIf(noLoopReason)(`restore into a file (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let disk: string;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    disk = await fixtureDisk({ sizeMiB: 160 });
    image = join(dir.path, 'disk.img.zst');
    // Raw mode: the zeros are in the frames themselves, not left out as "don't care".
    const made = await spillway(['backup', disk, image, '--mode', 'raw']);
    expect(made.code, made.stderr).toBe(0);
  }, 120_000);
  afterAll(() => dir?.remove());

  const allocated = async (path: string) => {
    const [blocks, unit] = (await sh(`stat -c '%b %B' ${q(path)}`)).trim().split(' ').map(Number);
    return blocks! * unit!;
  };

  it('a new file: byte-exact, with holes where the drive holds zeros', async () => {
    const target = join(dir.path, 'new.img');
    const restored = await spillway(['restore', image, target, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr).toMatch(/read back and compared: identical/);
    await sh(`cmp ${q(disk)} ${q(target)}`);
    expect(await allocated(target)).toBeLessThan(0.9 * 160 * MIB);
  });

  it('an existing file of other bytes: byte-exact, zeros written', async () => {
    const target = join(dir.path, 'existing.img');
    await randomFile(target, 160 * MIB, 'existing');
    const restored = await spillway(['restore', image, target, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    await sh(`cmp ${q(disk)} ${q(target)}`);
  });
});
