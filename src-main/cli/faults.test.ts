// When things go wrong: unreadable sectors (recorded, zero-filled, every other byte exact),
// a drive that vanishes mid-backup, a destination that fills up, and resuming a backup that
// was killed half way.

import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonEvents, SPILLWAY, spillway } from '../test-support/cli.js';
import { faultyDrive, unreadableTarget } from '../test-support/faulty-drive.js';
import { fixtureDisk, randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll } from '../test-support/loop-devices.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh, shStatus } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MiB = 2 ** 20;
/** The loop device's logical sector size: bad ranges are rounded out to whole sectors. */
const SECTOR = 512;
const roundOut = ([a, b]: [number, number]): [number, number] => [
  Math.floor(a / SECTOR) * SECTOR,
  Math.ceil(b / SECTOR) * SECTOR,
];

describe.skipIf(noLoopReason)(`faults (${noLoopReason ?? 'root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let disk: string;

  beforeAll(async () => {
    dir = await tempDir();
    disk = await fixtureDisk({ sizeMiB: 160 });
  });
  afterAll(async () => {
    detachAll();
    await dir?.remove();
  });

  it(
    'records unreadable sectors, rounded out to whole sectors, and copies every other byte exactly',
    {
      timeout: 300_000,
    },
    async () => {
      // In the ESP, in the middle of the root filesystem, and straddling a frame boundary.
      const bad: Array<[number, number]> = [
        [1_048_576 + 100, 1_048_576 + 300],
        [60_000_000, 60_200_000],
        [8 * MiB - 5000, 8 * MiB + 5000],
      ];
      const drive = await faultyDrive(disk, { bad });
      try {
        const image = join(dir.path, 'bad.img.zst');
        // Raw mode: every sector is read, the bad ones in free space too.
        const result = await spillway(['backup', drive.path, image, '--json', '--mode', 'raw']);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toMatch(
          /WARNING: .* could not be read and are zeros in the image \(3 ranges/,
        );
        const info = JSON.parse((await spillway(['inspect', image, '--json'])).stdout) as {
          manifest: { badRanges: Array<[number, number]> };
        };
        // Bad ranges are rounded out to whole sectors (scraped with direct reads; the page cache
        // alone would fail whole pages around them).
        expect(info.manifest.badRanges).toEqual(bad.map(roundOut).sort((a, b) => a[0] - b[0]));
        const done = jsonEvents(result.stdout).find((e) => e.type === 'done') as unknown as {
          result: { badRanges: unknown };
        };
        expect(done.result.badRanges).toEqual(info.manifest.badRanges);

        // Every byte outside those ranges is the drive's; inside them, zeros.
        const expected = join(dir.path, 'expected.img');
        await sh(`cp ${q(disk)} ${q(expected)}`);
        for (const [a, b] of info.manifest.badRanges) {
          await sh(
            `head -c ${b - a} /dev/zero | dd of=${q(expected)} bs=${SECTOR} seek=${a / SECTOR} conv=notrunc status=none`,
          );
        }
        await sh(`zstd -dc ${q(image)} | cmp - ${q(expected)}`);

        // Restore says so before asking.
        const restore = await spillway(['restore', image, join(dir.path, 'restored.img')], 'no\n');
        expect(restore.stderr).toMatch(
          /could not be read when this image was made: those bytes are zeros/,
        );
      } finally {
        await drive.stop();
      }
    },
  );

  it('--on-read-error stop ends at the first unreadable sector, leaving nothing', async () => {
    const drive = await faultyDrive(disk, { bad: [[60_000_000, 60_004_096]] });
    try {
      const image = join(dir.path, 'stop.img.zst');
      const result = await spillway(['backup', drive.path, image, '--on-read-error', 'stop']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/could not be read at byte/);
      expect((await readdir(dir.path)).filter((n) => n.startsWith('stop.img'))).toEqual([]);
    } finally {
      await drive.stop();
    }
  });

  it('a drive that vanishes mid-backup ends the job within 10 s, with a clear error and no leftovers', async () => {
    const drive = await faultyDrive(disk, { vanishAfter: 60 * MiB });
    try {
      const image = join(dir.path, 'gone.img.zst');
      const started = Date.now();
      const result = await spillway([
        ...['backup', drive.path, image, '--spill-dir', dir.path, '--json'],
      ]);
      const ended = Date.now();
      // From the last progress of reading (the drive vanished just after) to the process's
      // end, on the same clock: the job's own reaction, not the machine's speed before it.
      // A fast machine reads the 60 MiB before the first progress event: then from the start.
      const progress = jsonEvents(result.stdout).filter(
        (e) => e.type === 'progress',
      ) as unknown as Array<{
        t: number;
        bytesRead: number;
      }>;
      const mostRead = Math.max(...progress.map((e) => e.bytesRead));
      const vanished = progress.find((e) => e.bytesRead === mostRead)?.t ?? started;
      const seconds = (ended - vanished) / 1000;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /stopped answering at byte \d+: it was unplugged or has failed/,
      );
      expect(seconds).toBeLessThan(10);
      const left = (await readdir(dir.path)).filter(
        (n) => n.startsWith('gone.img') || n.startsWith('spillway-spill-'),
      );
      expect(left).toEqual([]);
    } finally {
      await drive.stop();
    }
  });

  it('a target that cannot read back part of a restore: a clear error naming where', async () => {
    const source = join(dir.path, 'readback-source.img');
    await randomFile(source, 32 * MiB, 'readback-source');
    const image = join(dir.path, 'readback.img.zst');
    expect((await spillway(['backup', source, image])).code).toBe(0);
    const backing = join(dir.path, 'readback-target.bin');
    await randomFile(backing, 32 * MiB, 'readback-target');
    const target = await unreadableTarget(backing, [[20 * MiB + 4096, 20 * MiB + 8192]]);
    try {
      const result = await spillway(['restore', image, target.path, '--yes']);
      expect(result.code, result.stderr).toBe(3);
      // Read back by 4 MiB windows: the one holding the bad sectors is named.
      expect(result.stderr).toMatch(
        new RegExp(`could not be read back at bytes ${20 * MiB}–${24 * MiB} \\(a read error\\)`),
      );
    } finally {
      await target.stop();
    }
    // The writes themselves went through: the drive holds the restore, unverified.
    await sh(`cmp ${q(source)} ${q(backing)}`);
  });

  it('a destination (and spill folder) on a small filesystem: a clear error, nothing partial left', async () => {
    const fsImage = join(dir.path, 'small.fs');
    await sh(`truncate -s 64M ${q(fsImage)} && mkfs.ext4 -q -F ${q(fsImage)}`);
    const device = await attachLoop(fsImage);
    const mountPoint = join(dir.path, 'small');
    await sh(`mkdir -p ${q(mountPoint)} && mount ${q(device.path)} ${q(mountPoint)}`);
    try {
      const source = join(dir.path, 'random.img');
      await randomFile(source, 128 * MiB, 'full');
      const image = join(mountPoint, 'full.img.zst');
      const result = await spillway([
        'backup',
        source,
        image,
        '--spill-dir',
        mountPoint,
        '--spill-keep-free',
        '8M',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `The disk holding ${mountPoint} is full: the image needed about .* more than there was\\. Nothing was left behind\\.`,
        ),
      );
      expect((await readdir(mountPoint)).filter((n) => n !== 'lost+found')).toEqual([]);

      // --keep-partial keeps it under a name restore refuses.
      const kept = await spillway(['backup', source, image, '--keep-partial', '--no-spill']);
      expect(kept.code).toBe(1);
      expect(kept.stderr).toContain(`kept as ${image}.incomplete`);
      const restore = await spillway([
        'restore',
        `${image}.incomplete`,
        join(dir.path, 'x.img'),
        '--yes',
      ]);
      expect(restore.code).toBe(4);
      expect(restore.stderr).toMatch(/incomplete Spillway image/);
    } finally {
      await shStatus(`umount ${q(mountPoint)}`);
      await device.detach();
    }
  });

  it('resumes a backup killed half way: the same bytes and the same SHA-256 as an uninterrupted one', async () => {
    const source = await attachLoop(disk, { readOnly: true });
    const whole = join(dir.path, 'whole.img.zst');
    expect((await spillway(['backup', source.path, whole])).code).toBe(0);
    const wholeSize = (await stat(whole)).size;

    const image = join(dir.path, 'resumed.img.zst');
    const child = spawn(
      SPILLWAY,
      ['backup', source.path, image, '--json', '--max-write-rate', '20M', '--no-spill'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Killed by what was written, not by how far the stream went: the fixture's back half is
      // mostly free space, so the stream can pass half way moments before the job ends.
      const last = jsonEvents(out)
        .filter((e) => e.type === 'progress')
        .pop() as { bytesWritten: number } | undefined;
      if (last && last.bytesWritten >= wholeSize / 2) child.kill('SIGKILL');
    });
    await closed;
    expect(await readdir(dir.path)).toContain('resumed.img.zst.incomplete');

    const resumed = await spillway(['backup', source.path, image, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/Resuming after (\d+) frames/);
    const frames = Number(/Resuming after (\d+) frames/.exec(resumed.stderr)![1]);
    // Some of the 40 frames were kept and only the rest done again.
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(40);
    await sh(`cmp <(zstd -dc ${q(whole)}) <(zstd -dc ${q(image)})`);
    const manifest = (path: string) =>
      spillway(['inspect', path, '--json']).then(
        (r) =>
          (
            JSON.parse(r.stdout) as {
              manifest: { streamSha256: string; storedFramesDigest: string };
            }
          ).manifest,
      );
    const [resumedManifest, wholeManifest] = [await manifest(image), await manifest(whole)];
    expect(resumedManifest.streamSha256).toBe(wholeManifest.streamSha256);
    // The same frames, compressed alike: the digest of them as stored carried across the kill.
    expect(resumedManifest.storedFramesDigest).toBe(wholeManifest.storedFramesDigest);
    expect((await spillway(['verify', image])).code).toBe(0);
    await source.detach();
  });

  it('refuses to resume onto a different drive', async () => {
    const other = join(dir.path, 'other.img');
    await randomFile(other, 160 * MiB, 'other');
    const image = join(dir.path, 'refuse.img.zst');
    // Killed once a few frames are in the partial image (a fixed sleep was too short on a
    // loaded machine: nothing was written yet, and there was nothing to resume).
    const partial = `${image}.incomplete`;
    await sh(
      `${q(SPILLWAY)} backup ${q(disk)} ${q(image)} --keep-partial --max-write-rate 8M & pid=$!; ` +
        `for i in $(seq 300); do [ "$(stat -c %s ${q(partial)} 2>/dev/null || echo 0)" -gt ${12 * MiB} ] && break; sleep 0.1; done; ` +
        `kill -9 $pid; wait $pid || true`,
    );
    expect((await stat(partial)).size).toBeGreaterThan(12 * MiB);
    const result = await spillway(['backup', other, image, '--resume']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/changed since the interrupted backup/);
  });
});
