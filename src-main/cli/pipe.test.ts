// `cat disk.img | spillway backup - - | zstd -dc | cmp - disk.img`: stdin to stdout, the way
// people use dd and zstd in pipes today.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPILLWAY } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh, shStatus } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

describe('stdin and stdout', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let disk: string;

  beforeAll(async () => {
    dir = await tempDir();
    disk = join(dir.path, 'disk.img');
    // 21 MiB + 5 bytes: the last frame is short and not a multiple of any sector.
    await randomFile(disk, 12 * 2 ** 20, 'pipe');
    await sh(`head -c $(( 9 * 1048576 + 5 )) /dev/zero >> ${q(disk)}`);
  });

  afterAll(() => dir?.remove());

  it('backs up a pipe to a pipe', async () => {
    await sh(`cat ${q(disk)} | ${q(SPILLWAY)} backup - - | zstd -dc | cmp - ${q(disk)}`);
  });

  it('keeps the image seekable and verifiable when written through a pipe', async () => {
    const image = join(dir.path, 'piped.img.zst');
    await sh(`cat ${q(disk)} | ${q(SPILLWAY)} backup - - > ${q(image)}`);
    const verify = await shStatus(`${q(SPILLWAY)} verify ${q(image)}`);
    expect(verify.code).toBe(0);
    const sha = (await sh(`sha256sum ${q(disk)}`)).split(' ')[0];
    expect(verify.stdout).toContain(`SHA-256 ${sha}`);
  });

  it('sends --json events to stderr when stdout carries the image', async () => {
    const result = await shStatus(
      `cat ${q(disk)} | ${q(SPILLWAY)} backup - - --json 2>&1 >/dev/null | tail -1`,
    );
    expect(JSON.parse(result.stdout).type).toBe('done');
  });
});
