// What a backup job may leave behind if its helper is killed (SIGKILL cannot be caught, so
// the helper cannot clean up): the image's NAME.incomplete and its spill folder. The host
// notes what already existed when the job started and, after a crash, removes only what the
// job made.

import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { BackupParams } from '../../src-shared/api.js';
import { INCOMPLETE_SUFFIX } from '../engine/endpoints/file/sink.js';
import { cleanUpDeadRuns } from '../engine/spill/spill-dir.js';

export interface PartialFileWatch {
  /** Removes the job's partial image and dead spill folders; returns the paths removed. */
  cleanUp(): Promise<string[]>;
}

async function incompleteIn(dir: string): Promise<Set<string>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return new Set(names.filter((name) => name.endsWith(INCOMPLETE_SUFFIX)));
}

/** Taken when a backup starts; `cleanUp` after its helper died. */
export async function watchPartialFiles(params: BackupParams): Promise<PartialFileWatch> {
  const isDir = await stat(params.destination).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const folder = isDir ? params.destination : dirname(params.destination);
  const before = await incompleteIn(folder);
  const own = isDir ? null : basename(params.destination) + INCOMPLETE_SUFFIX;
  const spillDir = params.spillDir ?? tmpdir();
  return {
    async cleanUp() {
      const removed: string[] = [];
      if (params.destination !== '-') {
        for (const name of await incompleteIn(folder)) {
          // A named destination owns exactly one name; a folder, any new .incomplete file.
          const ours = own !== null ? name === own : !before.has(name);
          if (!ours) continue;
          await rm(join(folder, name), { force: true });
          removed.push(join(folder, name));
        }
      }
      if (spillDir) {
        for (const name of await cleanUpDeadRuns(spillDir)) removed.push(join(spillDir, name));
      }
      return removed;
    },
  };
}
