// The Drives screen's state: the drives as the API classified them, the "show all devices"
// setting, and the last error. The list refreshes on a timer so that plugged and unplugged
// drives appear without a click.

import { create } from 'zustand';
import type { ApiDrive } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';

export interface DrivesState {
  drives: ApiDrive[];
  showAll: boolean;
  loading: boolean;
  error: string | null;
  refresh(api: ApiClient): Promise<void>;
  setShowAll(api: ApiClient, showAll: boolean): Promise<void>;
}

export const useDrives = create<DrivesState>((set, get) => ({
  drives: [],
  showAll: false,
  loading: true,
  error: null,
  async refresh(api) {
    try {
      const [settings, drives] = await Promise.all([api.getSettings({}), api.listDrives({})]);
      set({ drives, showAll: settings.showAllDevices, loading: false, error: null });
    } catch (error) {
      set({ loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  },
  async setShowAll(api, showAll) {
    set({ showAll });
    await api.updateSettings({ showAllDevices: showAll });
    await get().refresh(api);
  },
}));
