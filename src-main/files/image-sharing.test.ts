// What the Images screen is told each image shares with the one before, through the real API,
// on a loop device over a file this test made: two backups of it, the second from the first
// (--base in the app's words: `base`) after a few MiB were changed at chosen offsets. The
// share listImages reports is exactly the frames not written to; a third image at another
// level is not comparable; and listing again reads no manifest again.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupParams, ImageRecord } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { ApiBackend } from '../api/api-handler.js';
import { appBackend } from '../api/app-backend.js';
import { inProcessRunner } from '../jobs/in-process-runner.js';
import { randomFile } from '../test-support/fixtures.js';
import { attachLoop } from '../test-support/loop-devices.js';
import { apiSession, jobEnd, type ApiSession } from '../test-support/api-session.js';
import { noLoopReason } from '../test-support/root.js';
import { writeSeededBytes } from '../test-support/seeded-bytes.js';
import { tempDir } from '../test-support/temp-dir.js';
import type { ImageSharing } from './image-sharing.js';

const MiB = 2 ** 20;
const FRAME = 4 * MiB;
const DRIVE = 64 * MiB;

// Where the drive is changed between the two backups: inside frame 1, across the border of
// frames 4 and 5, and the last MiB (frame 15).
const WRITES: Array<[offset: number, bytes: number]> = [
  [5 * MiB + 123, MiB],
  [20 * MiB - 4096, 8192],
  [63 * MiB, MiB],
];

/** The frames the writes touched. */
function touchedFrames(writes: typeof WRITES): Set<number> {
  const frames = new Set<number>();
  for (const [offset, bytes] of writes) {
    for (let f = Math.floor(offset / FRAME); f <= Math.floor((offset + bytes - 1) / FRAME); f++) {
      frames.add(f);
    }
  }
  return frames;
}

describe.skipIf(noLoopReason)(
  `what an image shares with the one before (${noLoopReason ?? 'root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let backend: ApiBackend;
    let session: ApiSession;
    let api: ApiClient;

    beforeAll(async () => {
      dir = await tempDir();
      backend = appBackend(join(dir.path, 'data'), inProcessRunner());
      session = apiSession(backend);
      api = session.api;
    });

    afterAll(async () => {
      await session?.close();
      await dir?.remove();
    });

    /** A backup of the drive file, on a loop device attached for it alone. */
    async function backupOf(file: string, params: Omit<BackupParams, 'source'>) {
      const loop = await attachLoop(file, { readOnly: true });
      try {
        const drive = (await api.listDrives({ all: true })).find((d) => d.path === loop.path)!;
        const { jobId } = await api.startBackup({ source: loop.path, ...params });
        const end = await jobEnd(api, jobId);
        if (end.type !== 'done' || end.result.kind !== 'backup') {
          throw new Error(`the backup did not end well: ${JSON.stringify(end)}`);
        }
        return { identity: drive.identity, result: end.result };
      } finally {
        await loop.detach();
      }
    }

    it(
      'is the frames not written to, compared by the drive, not its /dev name',
      { timeout: 300_000 },
      async () => {
        const file = join(dir.path, 'drive.bin');
        await randomFile(file, DRIVE, 'shares');
        const first = join(dir.path, 'first.img.zst');
        const second = join(dir.path, 'second.img.zst');
        const third = join(dir.path, 'third.img.zst');

        const made = await backupOf(file, { destination: first, mode: 'raw', level: 3 });
        const handle = await open(file, 'r+');
        try {
          for (const [offset, bytes] of WRITES) {
            await writeSeededBytes(handle, offset, bytes, 'shares', `change at ${offset}`);
          }
        } finally {
          await handle.close();
        }
        // The drive comes back under another /dev name: a loop device holds the one it had
        // (other processes attaching loop devices at the same time may shuffle the names, so
        // that is not asserted; the drive's identity is, below).
        const holder = join(dir.path, 'holder.bin');
        await randomFile(holder, MiB, 'holder');
        const held = await attachLoop(holder, { readOnly: true });
        let again;
        try {
          again = await backupOf(file, { destination: second, mode: 'raw', level: 3, base: first });
        } finally {
          await held.detach();
        }
        const frames = DRIVE / FRAME;
        const unchanged = frames - touchedFrames(WRITES).size;
        expect(unchanged).toBe(12);
        // The backup itself took exactly those from the first image.
        expect(again.result.base).toMatchObject({ image: first, framesReused: unchanged });
        expect(again.identity).toEqual(made.identity);

        const sharing = backend.images as ImageSharing;
        const listed = await api.listImages({});
        const byPath = (path: string) => listed.find((r) => r.path === path)!;
        expect(byPath(second)).toMatchObject({
          drive: made.identity,
          sharedWithPrevious: {
            image: first,
            comparable: true,
            framesShared: unchanged,
            framesTotal: frames,
            bytesShared: unchanged * FRAME,
          },
        } satisfies Partial<ImageRecord>);
        expect(byPath(first)).toMatchObject({ drive: made.identity, sharedWithPrevious: null });

        // Listed again: nothing read again, the same answer.
        const reads = sharing.reads;
        expect(await api.listImages({})).toEqual(listed);
        expect(sharing.reads).toBe(reads);

        // Another level: not comparable, and said why; only the new pair's manifests are read.
        await backupOf(file, { destination: third, mode: 'raw', level: 6 });
        const withThird = await api.listImages({});
        expect(withThird.find((r) => r.path === third)).toMatchObject({
          sharedWithPrevious: { image: second, comparable: false, reason: 'other-level' },
        });
        expect(withThird.find((r) => r.path === second)?.sharedWithPrevious).toEqual(
          byPath(second).sharedWithPrevious,
        );
        expect(sharing.reads).toBe(reads + 2);
      },
    );
  },
);
