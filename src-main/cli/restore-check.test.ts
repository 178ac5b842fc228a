// The check restore makes before writing, on a real gzip image whose manifest lives in its
// sidecar file (plain JSON, so a test can play an older image, or a tampered one):
// - today's images record storedFramesDigest: the image's frames are read as stored and
//   hashed, with nothing decoded; the digest is the one its definition gives, recomputed
//   here from the file; a wrong one sends the restore to the frame-by-frame check;
// - with framesDigest, a manifest that does not match its frames (or whose "don't care"
//   ranges hide a frame of data) is refused before anything is written;
// - without either (older images), the SHA-256 of the whole stream is checked instead: the
//   image restores byte-exact, and a wrong SHA-256 is refused the same way.

import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xxh64 } from '@node-rs/xxhash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src-shared/sidecar.js';
import { jsonEvents, spillway } from '../test-support/cli.js';
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
    return { target, result: await spillway(['restore', image, target, '--yes', '--json']) };
  }

  /** How a --json restore says it checked the image. */
  const checkedBy = (stdout: string) =>
    (jsonEvents(stdout).find((e) => e.type === 'done')?.result as { checked?: string })?.checked;

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

  it('checks a whole image through its stored frames, whose digest follows its definition', async () => {
    // The definition (src-shared/manifest.ts): SHA-256 over each frame's XXH64 as stored,
    // 8 bytes big-endian, then the JSON of [framesDigest, dontCare].
    const bytes = await readFile(image);
    const hash = createHash('sha256');
    let at = 0;
    for (const [stored] of sidecar.frames) {
      const word = Buffer.alloc(8);
      word.writeBigUInt64BE(xxh64(bytes.subarray(at, at + stored), 0n));
      hash.update(word);
      at += stored;
    }
    const { framesDigest, dontCare } = sidecar.manifest;
    hash.update(JSON.stringify([framesDigest, dontCare]));
    expect(sidecar.manifest.storedFramesDigest).toBe(hash.digest('hex'));

    const { target, result } = await restoreWith(() => {}, 'as-made');
    expect(result.code, result.stderr).toBe(0);
    expect(checkedBy(result.stdout)).toBe('stored-frames');
    await sh(`cmp ${q(source)} ${q(target)}`);
  });

  it('checks each frame instead when the stored frames do not match, and still restores', async () => {
    const { target, result } = await restoreWith((m) => {
      m.storedFramesDigest = '0'.repeat(64);
    }, 'stored-mismatch');
    expect(result.code, result.stderr).toBe(0);
    expect(checkedBy(result.stdout)).toBe('frames');
    expect(result.stdout).toMatch(/not byte for byte what the backup wrote/);
    await sh(`cmp ${q(source)} ${q(target)}`);
  });

  it('refuses "don\'t care" ranges changed to hide a frame of data, before writing', async () => {
    // The second 1 MiB frame holds random bytes; marked unused, it would not be written.
    const { target, result } = await restoreWith((m) => {
      m.dontCare = [[2 ** 20, 2 * 2 ** 20]];
    }, 'hidden-frame');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Nothing was written\./);
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });

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
    const older = (m: Sidecar['manifest']) => {
      delete m.framesDigest;
      delete m.storedFramesDigest;
    };
    const { target, result } = await restoreWith(older, 'older');
    expect(result.code, result.stderr).toBe(0);
    expect(checkedBy(result.stdout)).toBe('stream-hash');
    await sh(`cmp ${q(source)} ${q(target)}`);

    const tampered = await restoreWith((m) => {
      older(m);
      m.streamSha256 = '0'.repeat(64);
    }, 'older-wrong-sha');
    expect(tampered.result.code).toBe(3);
    expect(tampered.result.stderr).toMatch(
      /the SHA-256 of the whole image is not the one recorded\. Nothing was written\./,
    );
    await expect(stat(tampered.target)).rejects.toThrow(/ENOENT/);
  });
});
