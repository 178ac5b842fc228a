// Closing a pool whose workers are still loading their codecs must not take the process down.
// It did: close() terminated idle workers from outside, and a worker terminated while loading
// node-liblzma aborted the whole process (a fatal napi_throw), which a restore of a truncated
// .gz met in CI. Runs the built pool (npm run build), as the CLI does, in a child process.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/paths.js';
import { q, shStatus } from '../../test-support/shell.js';

const CHILD = join(REPO_ROOT, 'src-main', 'test-support', 'close-pool-while-loading.mjs');
const POOL = join(REPO_ROOT, 'build', 'src-main', 'engine', 'pool');

describe('codec pool close', () => {
  it('closing pools just as their workers load their codecs never aborts the process', async () => {
    const result = await shStatus(`node ${q(CHILD)} ${q(POOL)} 10`);
    expect(result.stderr).not.toMatch(/FATAL ERROR/);
    expect(result.code, result.stderr).toBe(0);
    const closed = Number(/closed (\d+) pools/.exec(result.stdout)?.[1]);
    console.log(result.stdout.trim());
    expect(closed).toBeGreaterThanOrEqual(20);
  });
});
