// The record's note on a kernel that pages out idle memory, read from DAMON's sysfs layout.
// The tree is built in a scratch folder: a test must not start or stop the machine's own
// DAMON.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../src-main/test-support/temp-dir.js';
import { idlePageoutSeconds, pageCacheNote } from './machine-notes.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

/** Writes `files` (path → text) under the scratch folder. */
async function tree(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir.path, path, '..'), { recursive: true });
    await writeFile(join(dir.path, path), `${text}\n`);
  }
}

/** One kdamond with one context and its schemes: [action, minimum age in intervals]. */
function kdamond(n: number, state: string, aggrUs: number, schemes: Array<[string, number]>) {
  const context = `${n}/contexts/0`;
  return {
    [`${n}/state`]: state,
    [`${context}/monitoring_attrs/intervals/aggr_us`]: String(aggrUs),
    ...Object.fromEntries(
      schemes.flatMap(([action, age], s) => [
        [`${context}/schemes/${s}/action`, action],
        [`${context}/schemes/${s}/access_pattern/age/min`, String(age)],
      ]),
    ),
  };
}

describe('idlePageoutSeconds', () => {
  it('gives the shortest idle time of a running pageout scheme', async () => {
    await tree({
      ...kdamond(0, 'on', 5_000_000, [
        ['stat', 1],
        ['pageout', 12],
      ]),
      ...kdamond(1, 'off', 1_000_000, [['pageout', 2]]),
      ...kdamond(2, 'on', 1_000_000, [['pageout', 30]]),
    });
    expect(idlePageoutSeconds(dir.path)).toBe(30);
  });

  it('says nothing without a running pageout scheme, or without DAMON', async () => {
    await tree(kdamond(0, 'on', 5_000_000, [['stat', 12]]));
    expect(idlePageoutSeconds(dir.path)).toBeNull();
    expect(idlePageoutSeconds(join(dir.path, 'absent'))).toBeNull();
    expect(pageCacheNote(null)).toBe('');
  });

  it('words the idle time for the heading', () => {
    expect(pageCacheNote(60)).toContain('pages out memory idle for 60 s');
  });
});
