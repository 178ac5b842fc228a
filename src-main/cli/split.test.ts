// Split images (--split): parts that `cat` joins back into the image, read by restore,
// verify and inspect from the first part, with a missing part named. Needs no root.

import { existsSync } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;

describe('split images', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  let image: string;
  const part = (i: number) => `${image}.${String(i).padStart(3, '0')}`;

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'disk.bin');
    // Random bytes do not compress: 200 MiB make four parts of 64 MiB.
    await randomFile(source, 200 * MIB, 'split');
    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', source, image, '--split', '64M']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/in 4 parts \(\.000 to \.003\)/);
  }, 120_000);

  afterAll(() => dir?.remove());

  it('writes parts of 64 MiB that cat and zstd -dc turn back into the drive', async () => {
    for (let i = 0; i < 3; i++) expect((await stat(part(i))).size).toBe(64 * MIB);
    expect((await stat(part(3))).size).toBeLessThan(64 * MIB);
    expect(existsSync(image)).toBe(false);
    await sh(`cat ${q(image)}.* | zstd -dc | cmp - ${q(source)}`);
  });

  it('verifies and restores from the first part, or from the name the parts share', async () => {
    expect((await spillway(['verify', part(0)])).code).toBe(0);
    const target = join(dir.path, 'restored.bin');
    const restored = await spillway(['restore', image, target, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    await sh(`cmp ${q(source)} ${q(target)}`);
  });

  it('a missing middle part is named', async () => {
    await rename(part(1), `${part(1)}.away`);
    try {
      for (const args of [
        ['verify', part(0)],
        ['restore', part(0), join(dir.path, 'never.bin'), '--yes'],
      ]) {
        const result = await spillway(args);
        expect(result.code).toBe(3);
        expect(result.stderr).toContain(`${part(1)} is missing`);
      }
      expect(existsSync(join(dir.path, 'never.bin'))).toBe(false);
    } finally {
      await rename(`${part(1)}.away`, part(1));
    }
  });

  it('a missing last part is suggested', async () => {
    await rename(part(3), `${part(3)}.away`);
    try {
      const result = await spillway(['verify', part(0)]);
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/incomplete.*\n.*is there a disk\.img\.zst\.003\?/);
    } finally {
      await rename(`${part(3)}.away`, part(3));
    }
  });

  it('refuses to overwrite parts, and --force leaves no part of a longer image behind', async () => {
    const again = await spillway(['backup', source, image, '--split', '64M']);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`${part(0)} already exists`);

    const small = join(dir.path, 'small.bin');
    await writeFile(small, Buffer.alloc(3 * MIB, 7));
    const forced = await spillway(['backup', small, image, '--split', '64M', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(part(0))).toBe(true);
    expect(existsSync(part(1))).toBe(false);
    await sh(`cat ${q(image)}.* | zstd -dc | cmp - ${q(small)}`);
  });

  it('a gzip image in parts keeps one index beside them', async () => {
    const gz = join(dir.path, 'disk.img.gz');
    const made = await spillway(['backup', source, gz, '--codec', 'gzip', '--split', '64M']);
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(`${gz}.spillway.json`)).toBe(true);
    // The index is disk.img.gz.spillway.json: the parts are the names ending in digits.
    await sh(`cat ${q(gz)}.[0-9][0-9][0-9] | gzip -dc | cmp - ${q(source)}`);
    const verify = await spillway(['verify', `${gz}.000`]);
    expect(verify.code, verify.stderr).toBe(0);
  });
});
