// ReadAt over a backup source: the block-map readers' only door to the drive.

import { SpillwayError } from '../errors.js';
import type { BackupSource } from '../source/backup-source.js';
import type { ReadAt } from '../read-at.js';

export function readAtOf(source: Extract<BackupSource, { type: 'positioned' }>): ReadAt {
  return async (position, length) => {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = await source.read(buffer.subarray(done), position + done);
      if (n === 0) {
        throw new SpillwayError(
          'read-error',
          `${source.info.path} ended at byte ${position + done}.`,
        );
      }
      done += n;
    }
    return buffer;
  };
}
