// Images made by other tools (`dd | zstd`, `gzip`, `xz -T0`, a plain .img) restore byte-exact
// through the engine, and each starts only the threads it uses: gzip streams and raw images
// decode on the main thread, where starting the two codec workers (each loading the codecs'
// native modules) would only take CPU from the decode and the writes; a zstd stream decodes on
// one thread of its own while the main thread writes; multi-block xz is decoded several blocks
// at once on the codec workers. Real tools, real files; no root.

import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../../test-support/fixtures.js';
import { q, sh } from '../../test-support/shell.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { quietContext } from '../jobs/job-context.js';
import { workerThreadsStarted } from '../threads/worker-thread.js';
import { restore } from './restore.js';

const MiB = 2 ** 20;

/** The image's bytes: random, then zeros (so the restored file has holes, as drives do). */
const RANDOM_MIB = 5;
const SIZE_MIB = 12;

const IMAGES = [
  // name, how the tool makes it, the worker threads restoring it starts, what was checked
  ['disk.img.zst', 'zstd -q -3 -T0 -c', 1, 'codec-checksums-while-writing'],
  ['disk.img.gz', 'gzip -1 -c', 0, 'codec-checksums-while-writing'],
  // A plain image has no checksum of its own.
  ['disk.img', 'cat', 0, 'none'],
  // xz -1 makes blocks of 3 MiB with -T0: four here, decoded by block on the workers.
  ['disk.img.xz', 'xz -1 -T0 -c', 2, 'codec-checksums-while-writing'],
] as const;

describe('restoring images made by other tools', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;

  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'source.img');
    await randomFile(source, RANDOM_MIB * MiB, 'foreign-restore');
    await truncate(source, SIZE_MIB * MiB);
    for (const [name, command] of IMAGES) {
      await sh(`${command} < ${q(source)} > ${q(join(dir.path, 'images-' + name))}`);
    }
  }, 120_000);

  afterAll(async () => {
    await dir?.remove();
  });

  for (const [name, , threads, checked] of IMAGES) {
    it(`${name}: byte-exact, ${threads} worker threads started`, async () => {
      const target = join(dir.path, `restored-from-${name}`);
      const before = workerThreadsStarted();
      const result = await restore(
        {
          image: join(dir.path, 'images-' + name),
          target,
          threads: 2,
          confirm: () => Promise.resolve(true),
        },
        quietContext(),
      );
      const started = workerThreadsStarted() - before;

      expect(result.bytesWritten).toBe(SIZE_MIB * MiB);
      expect(result.checked).toBe(checked);
      expect(result.readBack).toBe(true);
      await sh(`cmp ${q(source)} ${q(target)}`);
      expect(started).toBe(threads);
    });
  }
});
