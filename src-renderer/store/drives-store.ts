// The drives as the API classified them, the "show all devices" setting, and the last error.
// Screens that show drives use useLiveDrives: the list refreshes on a timer, so plugged and
// unplugged drives appear and go without a click.

import { useEffect } from 'react';
import { create } from 'zustand';
import type { ApiDrive } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';

const REFRESH_MS = 3000;

export interface DrivesState {
  drives: ApiDrive[];
  showAll: boolean;
  loading: boolean;
  error: string | null;
  /** paths: what the user chose (an image): drives holding them are flagged. */
  refresh(api: ApiClient, paths?: string[]): Promise<void>;
  setShowAll(api: ApiClient, showAll: boolean, paths?: string[]): Promise<void>;
}

/** Bumped by every "show all devices" change: a refresh asked before it is stale. */
let settingsChanges = 0;

export const useDrives = create<DrivesState>((set, get) => ({
  drives: [],
  showAll: false,
  loading: true,
  error: null,
  async refresh(api, paths = []) {
    const asked = settingsChanges;
    try {
      const [settings, drives] = await Promise.all([
        api.getSettings({}),
        api.listDrives({ paths }),
      ]);
      // The box was ticked while this refresh was under way: its setting and its list are
      // from before (applying them would untick the box); the change's own refresh follows.
      if (asked !== settingsChanges) return;
      set({ drives, showAll: settings.showAllDevices, loading: false, error: null });
    } catch (error) {
      set({ loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  },
  async setShowAll(api, showAll, paths = []) {
    settingsChanges++;
    set({ showAll });
    await api.updateSettings({ showAllDevices: showAll });
    await get().refresh(api, paths);
  },
}));

/** The drives, kept fresh while the calling screen is shown. */
export function useLiveDrives(api: ApiClient, paths: string[] = []): DrivesState {
  const state = useDrives();
  const { refresh } = state;
  const key = paths.join('\n');
  useEffect(() => {
    const chosen = key === '' ? [] : key.split('\n');
    void refresh(api, chosen);
    const timer = setInterval(() => void refresh(api, chosen), REFRESH_MS);
    return () => clearInterval(timer);
  }, [api, refresh, key]);
  return state;
}
