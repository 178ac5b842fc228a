// The images the history knows of, and the jobs run (made, restored, verified), from the
// user's data folder.

import { create } from 'zustand';
import type { HistoryEntry, ImageRecord } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';

export interface HistoryState {
  entries: HistoryEntry[];
  images: ImageRecord[];
  error: string | null;
  refresh(api: ApiClient): Promise<void>;
}

export const useHistory = create<HistoryState>((set) => ({
  entries: [],
  images: [],
  error: null,
  async refresh(api) {
    try {
      const [entries, images] = await Promise.all([api.listHistory({}), api.listImages({})]);
      set({ entries, images, error: null });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    }
  },
}));
