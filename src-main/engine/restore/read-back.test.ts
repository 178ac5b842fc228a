// Read-back against a real file target: a changed byte is found and named; a stream whose
// frames are fine but in the wrong order is told apart from a bad drive.

import { createHash } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressTracker } from '../progress/progress-tracker.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { firstDifference, readBackMatches } from './read-back.js';
import { describeTarget, openTarget } from './restore-target.js';

describe('read-back', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  it('recomputes the stream hash from the target, zeros where nothing was written, and names a changed byte', async () => {
    const size = 10 * 2 ** 20;
    const stream = Buffer.alloc(size);
    for (let i = 0; i < size; i++) stream[i] = (i * 7) & 0xff;
    stream.fill(0, 2 ** 20, 3 * 2 ** 20); // a "don't care" range: zeros in the image
    const written: Array<[number, number]> = [
      [0, 2 ** 20],
      [3 * 2 ** 20, size],
    ];
    const path = join(dir.path, 'target.img');
    // The target's old bytes stay where nothing is written.
    await writeFile(path, Buffer.alloc(size, 0xee));
    const handle = await open(path, 'r+');
    for (const [a, b] of written) await handle.write(stream, a, b - a, a);
    await handle.close();

    const target = await openTarget(await describeTarget(path));
    const counters = new ProgressTracker('restore', () => {}).counters;
    const sha = createHash('sha256').update(stream).digest('hex');
    const signal = new AbortController().signal;
    const input = { target, size, written, expectedSha256: sha, counters, signal };
    expect(await readBackMatches(input)).toBe(true);

    await target.write(Buffer.from([0x42]), 5 * 2 ** 20 + 17);
    expect(await readBackMatches(input)).toBe(false);
    async function* blocks() {
      for (let at = 0; at < size; at += 2 ** 20)
        yield { offset: at, data: stream.subarray(at, at + 2 ** 20) };
    }
    expect(await firstDifference(target, blocks(), written)).toEqual([5 * 2 ** 20, 6 * 2 ** 20]);
    await target.close();
  });
});
