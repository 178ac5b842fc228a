// Damage met while browsing, through the command line: a folder block overwritten with noise,
// a file's inode with a broken extent header (both in the drive before it was backed up), and
// a frame of the image itself damaged after the backup. Each gives a clear error naming the
// entry and why; ls of the rest works; extract copies everything else, leaves nothing
// half-written, and its exit code says that some entries failed.

import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../test-support/cli.js';
import { extAt, fileBlocks, makeExtDisk } from '../test-support/ext-disk.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';
import { openImage } from '../engine/image/open-image.js';

const MIB = 2 ** 20;
const BLOCK = 4096;

async function patch(path: string, at: number, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, at);
  } finally {
    await handle.close();
  }
}

/** Every file and folder under `dir`, relative, sorted. */
async function namesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('damaged entries, from the command line', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let files: string;
  let image: string;

  beforeAll(async () => {
    dir = await tempDir();
    files = join(dir.path, 'files');
    await sh(
      [
        `mkdir -p ${q(files)}/good/inner ${q(files)}/bad-folder && cd ${q(files)}`,
        `printf 'fine' > good/fine.txt && printf 'inner' > good/inner/deep.txt`,
        `for i in $(seq 1 40); do printf "$i" > bad-folder/lost-$i.txt; done`,
        `head -c 20000 /dev/urandom > bad-inode.bin`,
      ].join(' && '),
    );
    await randomFile(join(files, 'big.bin'), 6 * MIB, 'big');
    const disk = join(dir.path, 'disk.img');
    await makeExtDisk(disk, 64, [{ sizeMiB: 62, files, mkfs: '-b 4096' }]);
    const fs = extAt(disk, 1);

    // A folder's first block: noise. An inode's extent header: noise.
    const [folderBlock] = await fileBlocks(fs, '/bad-folder');
    await patch(disk, MIB + folderBlock! * BLOCK, Buffer.alloc(64, 0xa7));
    const imap = await sh(`debugfs -R ${q('imap /bad-inode.bin')} ${q(fs)} 2>/dev/null`);
    const found = /located at block (\d+), offset 0x([0-9a-f]+)/.exec(imap)!;
    const inodeAt = MIB + Number(found[1]) * BLOCK + parseInt(found[2]!, 16);
    await patch(disk, inodeAt + 0x28, Buffer.alloc(12, 0x41));

    image = join(dir.path, 'disk.img.zst');
    const made = await spillway(['backup', disk, image, '--frame-size', '1M']);
    expect(made.code, made.stderr).toBe(0);

    // A frame that holds only big.bin's bytes, damaged in the image.
    const blocks = await fileBlocks(fs, '/big.bin');
    const inFile = new Set(blocks.map((b) => MIB + b * BLOCK));
    const opened = await openImage(image);
    try {
      if (opened.layout !== 'indexed') throw new Error('not indexed');
      const frame = opened.frames.find((f) => {
        for (let at = f.driveOffset; at < f.driveOffset + f.size; at += BLOCK) {
          if (!inFile.has(at)) return false;
        }
        return true;
      })!;
      expect(frame).toBeDefined();
      await patch(
        image,
        frame.fileOffset + Math.floor(frame.compressedSize / 2),
        Buffer.from('damage!'),
      );
    } finally {
      await opened.input.close();
    }
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('ls of a damaged folder says which folder and why; the rest lists', async () => {
    const bad = await spillway(['ls', image, '1:/bad-folder']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^spillway: 1:\/bad-folder: .*impossible length/m);
    const root = await spillway(['ls', image, '1:/']);
    expect(root.code, root.stderr).toBe(0);
    for (const name of ['good/', 'bad-folder/', 'big.bin', 'lost+found/']) {
      expect(root.stdout).toContain(name);
    }
    const good = await spillway(['ls', image, '1:/good/inner']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/deep\.txt$/m);
  });

  it('extract copies everything else, names each damaged entry, and exits with 3', async () => {
    const out = join(dir.path, 'out');
    const result = await spillway(['extract', image, '1:/', out]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/^ {2}1:\/bad-folder: .*impossible length/m);
    expect(result.stderr).toMatch(
      /^ {2}1:\/bad-inode\.bin: its extent tree is not an extent node/m,
    );
    expect(result.stderr).toMatch(/^ {2}1:\/big\.bin: .*is damaged at drive bytes \d+–\d+/m);
    expect(result.stderr).toMatch(/3 entries could not be read from the image/);
    // What could be read is there and equal; nothing else, not even a temporary file.
    await sh(`diff -r ${q(join(files, 'good'))} ${q(join(out, 'good'))}`);
    expect(await namesUnder(out)).toEqual([
      'bad-folder',
      'good',
      'good/fine.txt',
      'good/inner',
      'good/inner/deep.txt',
      'lost+found',
    ]);
  });

  it('find goes around a damaged folder and says so', async () => {
    const result = await spillway(['find', image, '1:*.txt']);
    expect(result.code).toBe(3);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual([
      '1:/good/fine.txt',
      '1:/good/inner/deep.txt',
    ]);
    expect(result.stderr).toMatch(/1:\/bad-folder: .*not searched/);
  });
});
