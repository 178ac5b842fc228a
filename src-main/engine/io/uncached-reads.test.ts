// Reads around the page cache: a backup of a file leaves it out of the page cache, a drive
// is read with O_DIRECT by its backup and by a restore's read-back, and every byte is still
// right; reads that are not long runs of whole blocks in page-aligned memory go through the
// cache.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, statfsSync } from 'node:fs';
import { readdir, readFile, readlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../backup/backup.js';
import { quietContext } from '../jobs/job-context.js';
import { restore } from '../restore/restore.js';
import { SlotArena } from '../pool/slot-arena.js';
import { attachLoop } from '../../test-support/loop-devices.js';
import { noLoopReason } from '../../test-support/root.js';
import { seededStream } from '../../test-support/seeded-bytes.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { MIN_DIRECT_BYTES, qualifiesForDirect } from './uncached-reads.js';

const MiB = 2 ** 20;

/** A temp folder in memory (tmpfs) keeps every file in the page cache, read or not. */
const TMPFS_MAGIC = 0x01021994;
const inMemoryReason =
  statfsSync(tmpdir()).type === TMPFS_MAGIC
    ? 'the temp folder is in memory (tmpfs): its files are always in the page cache'
    : null;

/** Bytes of `path` in the page cache, as fincore (util-linux) counts them. */
function cachedBytes(path: string): number {
  const out = execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path]);
  return Number(out.toString().trim());
}

/** Writes `path` out and drops its clean pages (posix_fadvise DONTNEED, through dd). */
function evict(path: string): void {
  execFileSync('bash', [
    '-c',
    `sync "$1" && dd if="$1" iflag=nocache count=0 status=none`,
    '-',
    path,
  ]);
}

/** Asks every 2 ms whether `path` is open with O_DIRECT; `seen` says whether it ever was. */
function watchForDirect(path: string): { seen(): boolean; stop(): void } {
  let seen = false;
  const timer = setInterval(() => {
    void openedDirect(path).then((yes) => (seen ||= yes));
  }, 2);
  return { seen: () => seen, stop: () => clearInterval(timer) };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Whether this process has `path` open with O_DIRECT (its flags in /proc/self/fdinfo). */
async function openedDirect(path: string): Promise<boolean> {
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target !== path) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const flags = /^flags:\s*([0-7]+)/m.exec(info)?.[1];
    if (flags && (parseInt(flags, 8) & constants.O_DIRECT) !== 0) return true;
  }
  return false;
}

describe('reads around the page cache', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  let bytes: Buffer;

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'drive.img');
    // 40 MiB and 4.5 KiB (whole sectors, for the loop device): the last frame is not whole
    // pages, so it is read through the cache; every other frame is not.
    const random = seededStream('uncached', 'drive');
    bytes = Buffer.concat([random(24 * MiB), Buffer.alloc(16 * MiB), random(4608)]);
    await writeFile(source, bytes);
  });
  afterAll(() => dir?.remove());

  it('takes only long reads of whole blocks at block positions in page-aligned memory', async () => {
    const arena = new SlotArena(2 * MiB, 1);
    const slot = (await arena.acquire()).bytes();
    expect(qualifiesForDirect(slot, 4096, 4096)).toBe(true);
    expect(qualifiesForDirect(slot.subarray(4096), 4096, 4096)).toBe(true);
    expect(qualifiesForDirect(slot, 512, 4096)).toBe(false);
    expect(qualifiesForDirect(slot.subarray(0, 2 * MiB - 96), 0, 4096)).toBe(false);
    expect(qualifiesForDirect(slot.subarray(512), 0, 4096)).toBe(false);
    // Short reads keep the kernel's readahead.
    expect(qualifiesForDirect(slot.subarray(0, MIN_DIRECT_BYTES - 4096), 0, 4096)).toBe(false);
    // Ordinary memory: its start is not known, so never.
    expect(qualifiesForDirect(Buffer.alloc(2 * MiB), 0, 4096)).toBe(false);
  });

  it.skipIf(inMemoryReason)(
    'backs up a file without filling the page cache with it, every byte kept',
    async () => {
      evict(source);
      expect(cachedBytes(source)).toBe(0);
      const image = join(dir.path, 'file.img.zst');
      await backup(
        { source, destination: image, mode: 'raw', frameSize: 4 * MiB, spill: false },
        quietContext(),
      );
      // The partition table's probe and the short last frame: a few pages, not 40 MiB.
      expect(cachedBytes(source)).toBeLessThan(256 * 1024);
      const restored = execFileSync('zstd', ['-dc', image], { maxBuffer: 64 * MiB });
      expect(sha256(restored)).toBe(sha256(bytes));
    },
  );

  // fincore cannot see a block device's cache, and a drive's read counter moved the same
  // with and without O_DIRECT inside this test process (the cache of the loop device did not
  // keep even dd's reads here, while it did from a shell), so the open file itself is asked:
  // while the backup runs, the drive is open with O_DIRECT.
  it.skipIf(noLoopReason)('reads a drive around its page cache, every byte kept', async () => {
    const loop = await attachLoop(source, { readOnly: true });
    const watch = watchForDirect(loop.path);
    try {
      const image = join(dir.path, 'drive.img.zst');
      const result = await backup(
        { source: loop.path, destination: image, mode: 'raw', frameSize: 4 * MiB, spill: false },
        quietContext(),
      );
      expect(watch.seen()).toBe(true);
      expect(result.streamSha256).toBe(sha256(bytes));
      const restored = execFileSync('zstd', ['-dc', image], { maxBuffer: 64 * MiB });
      expect(sha256(restored)).toBe(sha256(bytes));
    } finally {
      watch.stop();
      await loop.detach();
    }
  });

  it.skipIf(noLoopReason)('reads a restored drive back around its page cache', async () => {
    const image = join(dir.path, 'to-restore.img.zst');
    await backup(
      { source, destination: image, mode: 'raw', frameSize: 4 * MiB, spill: false },
      quietContext(),
    );
    const drive = join(dir.path, 'target.img');
    await writeFile(drive, Buffer.alloc(0));
    await truncate(drive, bytes.byteLength);
    const loop = await attachLoop(drive);
    const watch = watchForDirect(loop.path);
    try {
      const result = await restore(
        { image, target: loop.path, confirm: async () => true },
        quietContext(),
      );
      expect(result.readBack).toBe(true);
      expect(watch.seen()).toBe(true);
      const written = execFileSync('dd', [`if=${loop.path}`, 'bs=4M', 'status=none'], {
        maxBuffer: 64 * MiB,
      });
      expect(sha256(written)).toBe(sha256(bytes));
    } finally {
      watch.stop();
      await loop.detach();
    }
  });
});
