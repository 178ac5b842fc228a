// The history of jobs (images made, restored, verified), from the user's data folder.

import { create } from 'zustand';
import type { HistoryEntry } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';

export interface HistoryState {
  entries: HistoryEntry[];
  error: string | null;
  refresh(api: ApiClient): Promise<void>;
}

export const useHistory = create<HistoryState>((set) => ({
  entries: [],
  error: null,
  async refresh(api) {
    try {
      set({ entries: await api.listHistory({}), error: null });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    }
  },
}));
