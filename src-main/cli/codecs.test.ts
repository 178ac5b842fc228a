// Every codec end to end on a real loop device: the image is what the real tool (zstd, lz4,
// gzip, xz, or nothing at all) turns back into the drive, it restores byte-exact onto another
// loop device, and one flipped byte is found by verify with its range. gzip, xz and
// uncompressed images keep their index beside them (<image>.spillway.json) and still restore
// without it.

import { appendFile, copyFile, open, rename, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodecName } from '../../src-shared/manifest.js';
import { CODEC_INFO } from '../engine/codecs/codec-info.js';
import { openImage } from '../engine/image/open-image.js';
import { jsonEvents, spillway, SPILLWAY } from '../test-support/cli.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;
/** What each real tool needs to write the drive's bytes to stdout. */
const REAL_TOOL: Record<CodecName, string> = {
  zstd: 'zstd -dc',
  lz4: 'lz4 -dc',
  gzip: 'gzip -dc',
  xz: 'xz -dc',
  none: 'cat',
};
const CODECS = Object.keys(REAL_TOOL) as CodecName[];

/** A disk-like file of 26 MiB (seven frames, the last one short): random bytes, zeros, text. */
async function diskLikeFile(path: string): Promise<void> {
  await randomFile(path, 10 * MIB, 'codecs-disk');
  await sh(`head -c ${12 * MIB} /dev/zero >> ${q(path)}`);
  await appendFile(path, Buffer.alloc(4 * MIB, 'a line of text in a file\n'));
}

async function flipByteInMiddleFrame(image: string, copy: string) {
  await copyFile(image, copy);
  const opened = await openImage(image);
  await opened.input.close();
  if (opened.layout !== 'indexed') throw new Error(`${image} is not indexed`);
  const frame = opened.frames[Math.floor(opened.frames.length / 2)]!;
  const at = frame.fileOffset + Math.floor(frame.compressedSize / 2);
  const handle = await open(copy, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x40;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
  return frame;
}

describe.skipIf(noLoopReason)(`every codec on loop devices (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: LoopDevice;
  let target: LoopDevice;
  const images = new Map<CodecName, string>();

  beforeAll(async () => {
    dir = await tempDir();
    const disk = join(dir.path, 'disk.bin');
    await diskLikeFile(disk);
    source = await attachLoop(disk, { readOnly: true });
    const targetFile = join(dir.path, 'target.bin');
    await randomFile(targetFile, 26 * MIB, 'codecs-target');
    target = await attachLoop(targetFile);
    for (const codec of CODECS) {
      const image = join(dir.path, `disk${CODEC_INFO[codec].extension}`);
      // xz at level 1: the test is about the format, not about waiting for level 6.
      const level = codec === 'xz' ? ['--level', '1'] : [];
      const made = await spillway(['backup', source.path, image, '--codec', codec, ...level]);
      expect(made.stderr, codec).not.toMatch(/spillway:/);
      expect(made.code, codec).toBe(0);
      images.set(codec, image);
    }
  }, 240_000);

  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  describe.each(CODECS)('%s', (codec) => {
    const sidecar = CODEC_INFO[codec].index === 'sidecar';

    it(`the real tool (${REAL_TOOL[codec]}) gives back the drive's bytes`, async () => {
      const image = images.get(codec)!;
      await sh(`${REAL_TOOL[codec]} ${q(image)} | cmp - ${q(source.path)}`);
      expect(existsSync(`${image}.spillway.json`)).toBe(sidecar);
      const info = jsonEvents((await spillway(['inspect', image, '--json'])).stdout)[0]!;
      expect(info).toMatchObject({ layout: 'indexed', codec });
    });

    it('restores byte-exact onto another loop device, read back and compared', async () => {
      const restored = await spillway(['restore', images.get(codec)!, target.path, '--yes']);
      expect(restored.stderr).toMatch(/read back and compared: identical/);
      expect(restored.code).toBe(0);
      await sh(`cmp ${q(source.path)} ${q(target.path)}`);
    });

    it('verify finds one flipped byte and names its range', async () => {
      const damaged = join(dir.path, `damaged-${codec}${CODEC_INFO[codec].extension}`);
      const frame = await flipByteInMiddleFrame(images.get(codec)!, damaged);
      if (sidecar)
        await copyFile(`${images.get(codec)!}.spillway.json`, `${damaged}.spillway.json`);
      const verify = await spillway(['verify', damaged]);
      expect(verify.code).toBe(3);
      const driveRange = `drive bytes ${frame.driveOffset}–${frame.driveOffset + frame.size}`;
      const fileRange = `file bytes ${frame.fileOffset}–${frame.fileOffset + frame.compressedSize}`;
      expect(verify.stdout).toContain(`frame ${frame.index}, ${driveRange}, ${fileRange}`);
    });

    it.runIf(sidecar)('without its index file it still restores, in one pass', async () => {
      const image = images.get(codec)!;
      await rename(`${image}.spillway.json`, `${image}.moved`);
      try {
        const info = jsonEvents((await spillway(['inspect', image, '--json'])).stdout)[0]!;
        expect(info['layout']).toBe(codec === 'none' ? 'raw' : 'stream');
        await sh(`dd if=/dev/urandom of=${q(target.path)} bs=1M count=4 conv=notrunc 2>/dev/null`);
        const restored = await spillway(['restore', image, target.path, '--yes']);
        expect(restored.code, restored.stderr).toBe(0);
        await sh(`cmp ${q(source.path)} ${q(target.path)}`);
      } finally {
        await rename(`${image}.moved`, `${image}.spillway.json`);
      }
    });

    it.runIf(sidecar)(
      'an image cut short is refused, saying it does not match its index',
      async () => {
        const cut = join(dir.path, `cut-${codec}${CODEC_INFO[codec].extension}`);
        await copyFile(images.get(codec)!, cut);
        await copyFile(`${images.get(codec)!}.spillway.json`, `${cut}.spillway.json`);
        await sh(`truncate -s -1000 ${q(cut)}`);
        const verify = await spillway(['verify', cut]);
        expect(verify.code).toBe(3);
        expect(verify.stderr).toContain(
          `does not match ${cut}.spillway.json: 1000 bytes are missing at its end`,
        );
      },
    );
  });

  it('a gzip image to stdout warns that it has no index, and gunzips to the drive', async () => {
    const out = join(dir.path, 'piped.img.gz');
    const log = await sh(`${q(SPILLWAY)} backup --codec gzip ${q(source.path)} - 2>&1 >${q(out)}`);
    expect(log).toMatch(/no index beside it/);
    await sh(`gzip -dc ${q(out)} | cmp - ${q(source.path)}`);
  });

  it('the uncompressed image of the fixture disk is sparse: less disk than its size', async () => {
    const fixture = await attachLoop(await fixtureDisk({ sizeMiB: 160 }), { readOnly: true });
    const image = join(dir.path, 'fixture.img');
    const made = await spillway([
      'backup',
      fixture.path,
      image,
      '--codec',
      'none',
      '--mode',
      'raw',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const st = await stat(image);
    expect(st.size).toBe(160 * MIB);
    expect(st.blocks * 512).toBeLessThan(st.size);
    await sh(`cmp ${q(image)} ${q(fixture.path)}`);
    await fixture.detach();
  });
});
