// The check restore makes before writing, on a real gzip image whose manifest lives in its
// sidecar file (plain JSON, so a test can play an older image, or a tampered one):
// - with framesDigest (today's images), a manifest that does not match its frames is
//   refused before anything is written;
// - without it (images from Spillway 0.1.0), the SHA-256 of the whole stream is checked
//   instead: the image restores byte-exact, and a wrong SHA-256 is refused the same way.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src-shared/sidecar.js';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

describe('restore: the check before writing', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  let image: string;
  let sidecar: Sidecar;
  const sidecarPath = () => `${image}.spillway.json`;

  /** The image with its manifest changed, restored to a new file. */
  async function restoreWith(change: (manifest: Sidecar['manifest']) => void, name: string) {
    const edited = structuredClone(sidecar);
    change(edited.manifest);
    await writeFile(sidecarPath(), JSON.stringify(edited));
    const target = join(dir.path, `${name}.img`);
    return { target, result: await spillway(['restore', image, target, '--yes']) };
  }

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'disk.img');
    await randomFile(source, 3 * 2 ** 20 + 12345, 'restore-check');
    image = join(dir.path, 'disk.img.gz');
    const made = await spillway(['backup', source, image, '--codec', 'gzip', '--frame-size', '1M']);
    expect(made.code, made.stderr).toBe(0);
    sidecar = JSON.parse(await readFile(sidecarPath(), 'utf8')) as Sidecar;
  });
  afterAll(() => dir?.remove());

  it('records the frames digest, and refuses an image whose frames do not match it', async () => {
    expect(sidecar.manifest.framesDigest).toMatch(/^[0-9a-f]{64}$/);
    const { target, result } = await restoreWith((m) => {
      m.framesDigest = m.framesDigest!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    }, 'wrong-digest');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /they are not the frames the backup recorded, in that order\. Nothing was written\./,
    );
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

  it('checks an image from before the frames digest through its whole-stream SHA-256', async () => {
    const { target, result } = await restoreWith((m) => delete m.framesDigest, 'older');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/read back and compared: identical/);
    await sh(`cmp ${q(source)} ${q(target)}`);

    const tampered = await restoreWith((m) => {
      delete m.framesDigest;
      m.streamSha256 = '0'.repeat(64);
    }, 'older-wrong-sha');
    expect(tampered.result.code).toBe(3);
    expect(tampered.result.stderr).toMatch(
      /the SHA-256 of the whole image is not the one recorded\. Nothing was written\./,
    );
    await expect(stat(tampered.target)).rejects.toThrow(/ENOENT/);
  });
});
