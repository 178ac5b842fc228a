// The NBD server against libnbd's own tools (Debian's libnbd-bin): nbdinfo sees a read-only
// export of the right size; nbdcopy reads it back byte for byte, over several connections;
// a read that fails under the server is an I/O error for that read, and the server goes on.

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededStream } from '../../test-support/seeded-bytes.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { serveNbd, type NbdServer } from './nbd-server.js';

const run = promisify(execFile);
const SIZE = 5 * 2 ** 20 + 4096;

describe('the NBD server', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: NbdServer;
  const bytes = seededStream('nbd', 'export')(SIZE);
  let failNext = false;
  const errors: unknown[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    server = await serveNbd(
      join(dir.path, 'nbd.sock'),
      {
        size: SIZE,
        read: async (offset, length) => {
          if (failNext) {
            failNext = false;
            throw new Error('frame 3 is damaged');
          }
          return bytes.subarray(offset, offset + length);
        },
      },
      (error) => errors.push(error),
    );
  });

  afterAll(async () => {
    await server?.close();
    await dir?.remove();
  });

  const uri = () => `nbd+unix:///?socket=${server.socketPath}`;

  it('offers a read-only export of the image’s size', async () => {
    const { stdout } = await run('nbdinfo', ['--json', uri()]);
    const info = JSON.parse(stdout) as { exports: Array<Record<string, unknown>> };
    expect(info.exports[0]).toMatchObject({ 'export-size': SIZE, is_read_only: true });
  });

  it('gives every byte back to nbdcopy, over several connections', async () => {
    const out = join(dir.path, 'copy.bin');
    await run('nbdcopy', ['--connections=4', uri(), out]);
    expect((await readFile(out)).equals(bytes)).toBe(true);
  });

  it('refuses writes and leaves the export as it was', async () => {
    const source = join(dir.path, 'zeros.bin');
    await writeFile(source, Buffer.alloc(SIZE));
    await expect(run('nbdcopy', [source, uri()])).rejects.toThrow();
    const out = join(dir.path, 'again.bin');
    await run('nbdcopy', [uri(), out]);
    expect((await readFile(out)).equals(bytes)).toBe(true);
  });

  it('a read that fails is an I/O error for that read only', async () => {
    failNext = true;
    await expect(
      run('nbdcopy', ['--connections=1', uri(), join(dir.path, 'x.bin')]),
    ).rejects.toThrow();
    expect(String(errors.at(-1))).toContain('frame 3 is damaged');
    expect(server.failedReads).toBeGreaterThanOrEqual(1);
    const out = join(dir.path, 'after.bin');
    await run('nbdcopy', [uri(), out]);
    expect((await readFile(out)).equals(bytes)).toBe(true);
  });
});
