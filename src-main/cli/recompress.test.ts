// recompress: zstd → xz → zstd keeps the drive's bytes and its SHA-256; a damaged or foreign
// image is refused and leaves nothing behind. Needs no root.

import { existsSync } from 'node:fs';
import { appendFile, copyFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../engine/image/open-image.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;

async function streamSha256(image: string): Promise<string> {
  const info = jsonEvents((await spillway(['inspect', image, '--json'])).stdout)[0]!;
  return (info['manifest'] as { streamSha256: string }).streamSha256;
}

describe('recompress', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'disk.bin');
    await randomFile(source, 12 * MIB, 'recompress');
    await appendFile(source, Buffer.alloc(10 * MIB, 'text in a file\n'));
    image = join(dir.path, 'disk.img.zst');
    expect((await spillway(['backup', source, image])).code).toBe(0);
  });

  afterAll(() => dir?.remove());

  it('zstd → xz → zstd keeps the bytes and the stream hash', async () => {
    const xz = join(dir.path, 'disk.img.xz');
    const back = join(dir.path, 'back.img.zst');
    const first = await spillway(['recompress', image, xz, '--codec', 'xz', '--level', '1']);
    expect(first.code, first.stderr).toBe(0);
    await sh(`xz -dc ${q(xz)} | cmp - ${q(source)}`);
    const second = await spillway(['recompress', xz, back, '--codec', 'zstd', '--level', '5']);
    expect(second.code, second.stderr).toBe(0);
    await sh(`zstd -dc ${q(back)} | cmp - ${q(source)}`);
    const original = await streamSha256(image);
    expect(await streamSha256(xz)).toBe(original);
    expect(await streamSha256(back)).toBe(original);
    expect((await spillway(['verify', back])).code).toBe(0);
    // The new image records the digest of its own frames as stored: a restore checks by it.
    const restored = join(dir.path, 'restored.img');
    const restore = await spillway(['restore', back, restored, '--yes', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(jsonEvents(restore.stdout).at(-1)).toMatchObject({
      type: 'done',
      result: { checked: 'stored-frames' },
    });
    await sh(`cmp ${q(restored)} ${q(source)}`);
  });

  it('a damaged image is refused with its range, and no output is left', async () => {
    const damaged = join(dir.path, 'damaged.img.zst');
    await copyFile(image, damaged);
    const opened = await openImage(image);
    await opened.input.close();
    if (opened.layout !== 'indexed') throw new Error('not indexed');
    const frame = opened.frames[1]!;
    const handle = await open(damaged, 'r+');
    await handle.write(Buffer.from([0xff, 0x00, 0xff]), 0, 3, frame.fileOffset + 100);
    await handle.close();
    const out = join(dir.path, 'never.img.gz');
    const result = await spillway(['recompress', damaged, out, '--codec', 'gzip']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `damaged at drive bytes ${frame.driveOffset}–${frame.driveOffset + frame.size}`,
    );
    for (const leftover of [out, `${out}.incomplete`, `${out}.spillway.json`]) {
      expect(existsSync(leftover), leftover).toBe(false);
    }
  });

  it('an image made by another tool is refused with the way to do it instead', async () => {
    const foreign = join(dir.path, 'foreign.img.zst');
    await sh(`zstd -q -c ${q(source)} > ${q(foreign)}`);
    const result = await spillway([
      'recompress',
      foreign,
      join(dir.path, 'x.img.xz'),
      '--codec',
      'xz',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not made by Spillway/);
  });
});
