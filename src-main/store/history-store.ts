// The jobs run and the images made, newest last, kept in the user's data folder across
// restarts. A JSON document rewritten atomically on each entry: the history is small (one
// entry per job, capped), and a plain file needs no native module in Node or Electron.

import { join } from 'node:path';
import { z } from 'zod';
import { HistoryEntrySchema, type HistoryEntry } from '../../src-shared/api.js';
import { readJsonFile, writeJsonFile } from './json-file.js';

/** Oldest entries are dropped past this many. */
export const HISTORY_LIMIT = 1000;

const HistoryFileSchema = z.object({
  version: z.literal(1),
  entries: z.array(HistoryEntrySchema),
});

export interface HistoryStore {
  list(): Promise<HistoryEntry[]>;
  add(entry: HistoryEntry): Promise<void>;
}

export function openHistory(dataDir: string): HistoryStore {
  const file = join(dataDir, 'history.json');
  // Writes one after another, so two jobs ending together both land.
  let queue: Promise<unknown> = Promise.resolve();
  const read = async () => (await readJsonFile(file, HistoryFileSchema))?.entries ?? [];
  return {
    list: read,
    add(entry) {
      const write = queue.then(async () => {
        const entries = [...(await read()), entry].slice(-HISTORY_LIMIT);
        await writeJsonFile(file, { version: 1, entries });
      });
      // The queue only orders writes: a failed one is the caller's to report (its promise
      // rejects; api-handler.ts logs it and warns the user), and must not stop the next.
      queue = write.catch(() => {});
      return write;
    },
  };
}
