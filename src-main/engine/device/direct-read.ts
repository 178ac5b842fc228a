// An uncached read of a few sectors, for scraping around bad sectors. Buffered reads go
// through the page cache, and the kernel fails whole pages (sometimes more) around a bad
// sector; O_DIRECT reads each sector alone. Node cannot give O_DIRECT the aligned buffers it
// needs, so dd does the read (this runs only around unreadable sectors, never on the fast path).

import { execFile } from 'node:child_process';

export type DirectRead =
  { ok: true; data: Buffer } | { ok: false; reason: 'io-error' | 'unsupported' };

export function directRead(
  path: string,
  offset: number,
  length: number,
  sectorSize: number,
): Promise<DirectRead> {
  return new Promise((resolve) => {
    execFile(
      'dd',
      [
        `if=${path}`,
        `bs=${sectorSize}`,
        `skip=${offset / sectorSize}`,
        `count=${length / sectorSize}`,
        'iflag=direct',
        'status=none',
      ],
      { encoding: 'buffer', maxBuffer: length + 4096, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (!error && stdout.byteLength === length) resolve({ ok: true, data: stdout });
        else if (/Invalid argument|not supported/i.test(stderr.toString())) {
          resolve({ ok: false, reason: 'unsupported' });
        } else resolve({ ok: false, reason: 'io-error' });
      },
    );
  });
}
