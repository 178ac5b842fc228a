// Default image names never collide: two backups of one source into one folder, back to
// back (the same minute), both succeed, each with an image of its own.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

describe('default image names', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('two backups of one source into one folder within a minute both succeed', async () => {
    const source = join(dir.path, 'sdx.bin');
    await randomFile(source, 2 * 2 ** 20, 'names');
    const folder = join(dir.path, 'images');
    await sh(`mkdir ${q(folder)}`);
    const first = await spillway(['backup', source, folder]);
    expect(first.code, first.stderr).toBe(0);
    const second = await spillway(['backup', source, folder]);
    expect(second.code, second.stderr).toBe(0);
    const names = (await readdir(folder)).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^sdx-\d{4}-\d\d-\d\d-\d{4}(-2)?\.img\.zst$/);
    for (const name of names) await sh(`zstd -dc ${q(join(folder, name))} | cmp - ${q(source)}`);
  }, 60_000);
});
