// The user's settings, in the data folder next to the history; defaults for anything unset.

import { join } from 'node:path';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../../src-shared/api.js';
import { readJsonFile, writeJsonFile } from './json-file.js';

export interface SettingsStore {
  get(): Promise<Settings>;
  update(change: Partial<Settings>): Promise<Settings>;
}

export function openSettings(dataDir: string): SettingsStore {
  const file = join(dataDir, 'settings.json');
  const get = async () => ({
    ...DEFAULT_SETTINGS,
    ...((await readJsonFile(file, SettingsSchema.partial())) ?? {}),
  });
  return {
    get,
    async update(change) {
      const next = SettingsSchema.parse({ ...(await get()), ...change });
      await writeJsonFile(file, next);
      return next;
    },
  };
}
