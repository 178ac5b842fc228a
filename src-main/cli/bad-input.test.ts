// Broken and wrong inputs: each gets one line that says what is wrong, no stack trace, and a
// non-zero exit code. Needs no root: images are made from a generated file.

import { appendFile, mkdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway, type CliResult } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

/** A disk-like file: random bytes, zeros and text, 24 MiB (six frames). */
async function diskLikeFile(path: string): Promise<void> {
  await randomFile(path, 8 * 2 ** 20, 'disk-like');
  await sh(`head -c ${8 * 2 ** 20} /dev/zero >> ${q(path)}`);
  await appendFile(path, Buffer.alloc(8 * 2 ** 20, 'a line of text in a file\n'));
}

/** Exactly one error line (after any progress lines), at most one hint, no stack trace. */
function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  const at = lines.findIndex((line) => line.startsWith('spillway: '));
  expect(at, result.stderr).toBeGreaterThanOrEqual(0);
  expect(lines[at]).toMatch(pattern);
  const after = lines.slice(at + 1);
  expect(after.length).toBeLessThanOrEqual(1);
  if (after[0] !== undefined) expect(after[0]).toMatch(/^ {2}\S/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('bad input', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  let target: string;

  beforeAll(async () => {
    dir = await tempDir();
    const disk = join(dir.path, 'disk.img');
    await diskLikeFile(disk);
    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', disk, image]);
    expect(made.code).toBe(0);
    target = join(dir.path, 'target.img');
  });

  afterAll(() => dir?.remove());

  const restore = (path: string) => spillway(['restore', path, target, '--yes']);

  it('a truncated image: incomplete, for inspect, verify and restore', async () => {
    const cut = join(dir.path, 'cut.img.zst');
    await sh(`head -c 5000000 ${q(image)} > ${q(cut)}`);
    for (const args of [
      ['inspect', cut],
      ['verify', cut],
      ['restore', cut, target, '--yes'],
    ]) {
      const result = await spillway(args);
      expectOneLineError(
        result,
        /incomplete Spillway image: its end \(index and manifest\) is missing/,
      );
      expect(result.code).toBe(4);
    }
  });

  it('an image with its last bytes cut off: incomplete, not silently short', async () => {
    const cut = join(dir.path, 'short.img.zst');
    await sh(`cp ${q(image)} ${q(cut)}`);
    const { size } = await stat(cut);
    await truncate(cut, size - 3);
    expectOneLineError(await spillway(['verify', cut]), /incomplete Spillway image/);
  });

  it('an empty file', async () => {
    const empty = join(dir.path, 'empty.img.zst');
    await writeFile(empty, '');
    expectOneLineError(await restore(empty), /is empty/);
  });

  it('random bytes', async () => {
    const random = join(dir.path, 'random.img.zst');
    await randomFile(random, 2 ** 20, 'noise');
    const result = await restore(random);
    expectOneLineError(result, /not a disk image Spillway knows/);
    expect(result.code).toBe(3);
  });

  it('a directory', async () => {
    const folder = join(dir.path, 'folder.img.zst');
    await mkdir(folder);
    expectOneLineError(await restore(folder), /is a folder, not an image file/);
  });

  it('a missing file', async () => {
    expectOneLineError(await spillway(['verify', join(dir.path, 'nope.img.zst')]), /no image at/);
  });

  it('truncated gzip, xz and zstd streams made by other tools', async () => {
    const disk = join(dir.path, 'disk.img');
    for (const [ext, tool] of [
      ['gz', 'gzip'],
      ['xz', 'xz'],
      ['zst', 'zstd -q'],
    ] as const) {
      const whole = join(dir.path, `other.img.${ext}`);
      const cut = join(dir.path, `other-cut.img.${ext}`);
      await sh(`${tool} -c < ${q(disk)} > ${q(whole)}`);
      await sh(`head -c $(( $(stat -c %s ${q(whole)}) / 2 )) ${q(whole)} > ${q(cut)}`);
      const result = await restore(cut);
      expectOneLineError(result, /cut short|truncated/);
      expect(result.code).toBe(3);
      // One full stop between sentences ("after 3999901 bytes.. Nothing" was printed).
      expect(result.stderr).not.toMatch(/\.\.\s/);
    }
  });

  it('wrong options are usage errors (exit 2)', async () => {
    const result = await spillway(['backup', 'a', 'b', '--level', 'high']);
    expect(result.code).toBe(2);
    const level = await spillway(['backup', image, join(dir.path, 'x.zst'), '--level', '40']);
    expectOneLineError(level, /levels go from 1 to 19/);
    expect(level.code).toBe(2);
  });

  it('an existing destination is kept unless --force, and the next step names --force', async () => {
    const result = await spillway(['backup', join(dir.path, 'disk.img'), image]);
    expectOneLineError(result, /already exists/);
    expect(result.stderr).toMatch(/^ {2}Choose another name, or add --force to replace it\.$/m);
    expect(result.code).toBe(4);
  });
});
