// Reads and writes around the page cache: a backup of a file leaves it and its image out of
// the page cache, a drive is read with O_DIRECT by its backup and by a restore's read-back, a restore into a
// file writes and reads back its whole blocks with O_DIRECT, and every byte is still right;
// reads and writes that are not long runs of whole blocks in page-aligned memory go through
// the cache.

import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../backup/backup.js';
import { quietContext } from '../jobs/job-context.js';
import { restore } from '../restore/restore.js';
import { SlotArena } from '../pool/slot-arena.js';
import { attachLoop } from '../../test-support/loop-devices.js';
import { noLoopReason } from '../../test-support/root.js';
import {
  cachedBytes,
  evict,
  inMemoryReason,
  watchForDirect,
} from '../../test-support/page-cache.js';
import { seededStream } from '../../test-support/seeded-bytes.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { MIN_DIRECT_BYTES, qualifiesForDirect } from './uncached-reads.js';
import { DirectAppender, directPart, MIN_DIRECT_WRITE } from './uncached-writes.js';

const MiB = 2 ** 20;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('reads and writes around the page cache', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  let bytes: Buffer;

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'drive.img');
    // 40 MiB and 4.5 KiB (whole sectors, for the loop device): the last frame is not whole
    // pages, so it is read (and restored into a file) through the cache; every other frame is
    // not. The 16 MiB of zeros are left as a hole in a new file.
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
    'backs up a file without filling the page cache with it or its image, every byte kept',
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
      // The image was written around the cache too, but for its last part of a block.
      expect(cachedBytes(image)).toBeLessThan(64 * 1024);
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
  it('writes around the cache the whole blocks of long pieces at block positions in page-aligned memory', async () => {
    const arena = new SlotArena(2 * MiB, 1);
    const slot = (await arena.acquire()).bytes();
    expect(directPart(slot, 0, 4096)).toBe(2 * MiB);
    expect(directPart(slot.subarray(4096), 4096, 4096)).toBe(2 * MiB - 4096);
    // A part of a block at the end stays for the cache.
    expect(directPart(slot.subarray(0, 2 * MiB - 96), 0, 4096)).toBe(2 * MiB - 4096);
    expect(directPart(slot, 512, 4096)).toBe(0);
    expect(directPart(slot.subarray(512), 0, 4096)).toBe(0);
    // Short writes: one request each is not worth it.
    expect(directPart(slot.subarray(0, MIN_DIRECT_WRITE - 4096), 0, 4096)).toBe(0);
    // Ordinary memory: its start is not known, so never.
    expect(directPart(Buffer.alloc(2 * MiB), 0, 4096)).toBe(0);
  });

  it.skipIf(inMemoryReason)(
    'restores into a new file without filling the page cache, every byte and hole kept',
    async () => {
      const image = join(dir.path, 'to-file.img.zst');
      await backup(
        { source, destination: image, mode: 'raw', frameSize: 4 * MiB, spill: false },
        quietContext(),
      );
      const target = join(dir.path, 'restored.img');
      const watch = watchForDirect(target);
      try {
        const result = await restore({ image, target, confirm: async () => true }, quietContext());
        expect(result.readBack).toBe(true);
        expect(watch.seen()).toBe(true);
      } finally {
        watch.stop();
      }
      // Written and read back around the cache: the last block and a few pages, not 24 MiB.
      expect(cachedBytes(target)).toBeLessThan(256 * 1024);
      expect(sha256(await readFile(target))).toBe(sha256(bytes));
      // The zeros were left as a hole: the file takes about its 24 MiB of data.
      expect((await stat(target)).blocks * 512).toBeLessThan(25 * MiB);
    },
  );
  it('appends pieces of any length around the cache, only the last part of a block through it', async () => {
    const path = join(dir.path, 'appended.img');
    const fd = openSync(path, 'wx');
    const throughCache: Array<[number, number]> = [];
    const appender = new DirectAppender(path, 0, (data, position) => {
      throughCache.push([position, data.byteLength]);
      writeSync(fd, data, 0, data.byteLength, position);
    });
    // Pieces that straddle the 4 MiB stage and end in the middle of a block.
    const random = seededStream('uncached', 'appended');
    const pieces = [
      random(1),
      random(3 * MiB + 5),
      random(2 * MiB + 777),
      random(4 * MiB),
      random(1234),
    ];
    try {
      for (const piece of pieces) appender.append(piece);
      appender.drain();
    } finally {
      appender.close();
      closeSync(fd);
    }
    const all = Buffer.concat(pieces);
    expect(sha256(await readFile(path))).toBe(sha256(all));
    const tail = all.byteLength % 4096;
    expect(throughCache).toEqual([[all.byteLength - tail, tail]]);
    expect(() => appender.append(random(1))).toThrow(/drained/);
  });
});
