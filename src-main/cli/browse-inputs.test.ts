// `spillway ls`, `find` and `extract` on every kind of image input: gzip and xz (index in the
// sidecar file), LZ4, a plain .img, a split image, an image on another machine (ssh://,
// against a real sshd), and an image made by another tool (refused, saying what to do).
// The disk is real ext4 made by mkfs.ext4 from a folder; extracted bytes are compared with
// the folder's.

import { mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonEvents, SPILLWAY, spillway } from '../test-support/cli.js';
import { makeExtDisk } from '../test-support/ext-disk.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { noSshdReason, startSshServer, type SshServer } from '../test-support/ssh-server.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;

describe('browsing every kind of image from the command line', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let files: string;
  let disk: string;

  beforeAll(async () => {
    dir = await tempDir();
    files = join(dir.path, 'files');
    await mkdir(join(files, 'photos', '2024'), { recursive: true });
    await randomFile(join(files, 'photos', '2024', 'beach.jpg'), 3 * MIB + 5, 'beach');
    await writeFile(join(files, 'photos', 'notes.txt'), 'holiday\n');
    await symlink('photos/notes.txt', join(files, 'notes-link'));
    disk = join(dir.path, 'disk.img');
    await makeExtDisk(disk, 48, [{ sizeMiB: 46, files, label: 'data' }]);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  /** Backs the disk up with `args`; returns the image's path. */
  async function backUp(name: string, ...args: string[]): Promise<string> {
    const image = join(dir.path, name);
    const made = await spillway(['backup', disk, image, '--frame-size', '1M', ...args]);
    expect(made.code, made.stderr).toBe(0);
    return image;
  }

  /** ls of the partitions and a folder, then extract of a folder: all equal to the source. */
  async function expectBrowsable(image: string, extra: string[] = []) {
    const partitions = await spillway(['ls', image, '--json', ...extra]);
    expect(partitions.code, partitions.stderr).toBe(0);
    expect(JSON.parse(partitions.stdout)).toMatchObject({
      table: 'gpt',
      partitions: [{ index: 1, filesystem: 'ext4', label: 'data', browsable: true }],
    });
    const folder = await spillway(['ls', image, '1:/photos', ...extra]);
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stdout).toMatch(/^d.* 2024\/$/m);
    expect(folder.stdout).toMatch(/^-rw-r--r-- +8 B .* notes\.txt$/m);
    const out = join(dir.path, `out-${Math.random().toString(36).slice(2)}`);
    const copied = await spillway(['extract', image, '1:/photos', '1:/notes-link', out, ...extra]);
    expect(copied.code, copied.stderr).toBe(0);
    await sh(`diff -r ${q(join(files, 'photos'))} ${q(join(out, 'photos'))}`);
    expect(await readlink(join(out, 'notes-link'))).toBe('photos/notes.txt');
  }

  it('gzip and xz images, through the index file beside them', async () => {
    for (const codec of ['gzip', 'xz']) {
      const image = await backUp(
        `disk-${codec}.img.${codec === 'gzip' ? 'gz' : 'xz'}`,
        '--codec',
        codec,
      );
      expect((await stat(`${image}.spillway.json`)).isFile()).toBe(true);
      await expectBrowsable(image);
    }
  });

  it('an LZ4 image, and a plain .img', async () => {
    await expectBrowsable(await backUp('disk-lz4.img.lz4', '--codec', 'lz4'));
    await expectBrowsable(disk);
  });

  it('ls --stats says how many frames answering decoded, and decodes only what it needs', async () => {
    const image = await backUp('stats.img.zst');
    const frames = (stderr: string) =>
      Number(/^(\d+) frames? of the image decoded/m.exec(stderr)?.[1]);
    const root = await spillway(['ls', image, '1:/', '--stats']);
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toMatch(/ photos\/$/m);
    // The 48 MiB disk has 48 frames of 1 MiB: a folder listing needs a few of them.
    expect(frames(root.stderr)).toBeGreaterThan(0);
    expect(frames(root.stderr)).toBeLessThan(48);
    expect(root.stderr).toMatch(/of it read\.$/m);
    const plain = await spillway(['ls', image, '1:/']);
    expect(plain.stderr).not.toMatch(/decoded/);
  });

  it('a split image, named by its first part or by the name the parts share', async () => {
    const image = await backUp('split.img.zst', '--split', '1M');
    expect((await stat(`${image}.002`)).isFile()).toBe(true);
    await expectBrowsable(`${image}.000`);
    const found = await spillway(['find', image, '1:*.jpg']);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toBe('1:/photos/2024/beach.jpg\n');
  });

  it('refuses an image made by another tool, saying it has no index and how to make one', async () => {
    const foreign = join(dir.path, 'foreign.img.zst');
    await sh(`zstd -q -c ${q(disk)} > ${q(foreign)}`);
    const result = await spillway(['ls', foreign]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/made by another program and has no index of its frames/);
    expect(result.stderr).toMatch(/zstd -dc IMAGE \| spillway backup - NEW\.img\.zst/);
    // The advice works: the new image browses.
    const made = join(dir.path, 'made.img.zst');
    await sh(`zstd -dc ${q(foreign)} | ${q(SPILLWAY)} backup - ${q(made)} 2>/dev/null`);
    const listed = await spillway(['ls', made, '1:/photos']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/notes\.txt/);
  });

  it('--json events of an extract, ending with what was copied', async () => {
    const image = await backUp('events.img.zst');
    const out = join(dir.path, 'events-out');
    const result = await spillway(['extract', image, '1:/photos/2024/beach.jpg', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const events = jsonEvents(result.stdout);
    expect(events.filter((e) => e.type === 'phase').map((e) => e.phase)).toEqual([
      'preparing',
      'preparing',
      'writing',
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'done',
      result: { kind: 'extract', files: 1, bytes: 3 * MIB + 5, failedCount: 0 },
    });
    const progress = events.filter((e) => e.type === 'progress').at(-1)!;
    expect(progress).toMatchObject({ streamTotal: 3 * MIB + 5, streamDone: 3 * MIB + 5 });
    expect(await readFile(join(out, 'beach.jpg'))).toEqual(
      await readFile(join(files, 'photos', '2024', 'beach.jpg')),
    );
  });

  describe.skipIf(noSshdReason)(`on another machine (${noSshdReason ?? 'real sshd'})`, () => {
    let server: SshServer;
    beforeAll(async () => {
      server = await startSshServer(join(dir.path));
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('an ssh:// image lists and extracts', async () => {
      const image = await backUp('remote.img.zst');
      const url = `ssh://${server.user}@127.0.0.1:${server.port}${image}`;
      await expectBrowsable(url, [
        '--identity',
        server.identity,
        '--known-hosts',
        server.knownHosts,
      ]);
    });
  });
});
