// Each drive's partitions as read from its own table (the backup plan's facts: filesystem,
// label, bytes used), asked once per drive and kept while the app runs, so the Home cards
// draw their used-space bars without asking again every time the list refreshes. A drive
// is known here by its path and size: another drive plugged in under the same path has
// another size, or is asked again once the first is gone from the list.

import { create } from 'zustand';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { BackupPlan } from '../../src-shared/protocol/plans.js';
import { problemOf, type Problem } from '../words/error-words.js';

export type PartitionFacts =
  | { state: 'reading' }
  | { state: 'read'; plan: BackupPlan }
  | { state: 'failed'; problem: Problem };

interface Drive {
  path: string;
  size: number;
}

export const factsKey = (drive: Drive) => `${drive.path}:${drive.size}`;

export interface PartitionFactsState {
  facts: Record<string, PartitionFacts>;
  /** Reads the drive's partitions unless they were read or are being read. */
  read(api: ApiClient, drive: Drive): void;
  /** Forgets drives no longer listed (a drive plugged in again is read again). */
  keepOnly(drives: readonly Drive[]): void;
}

export const usePartitionFacts = create<PartitionFactsState>((set, get) => ({
  facts: {},
  read(api, drive) {
    const key = factsKey(drive);
    if (get().facts[key]) return;
    const put = (facts: PartitionFacts) => set({ facts: { ...get().facts, [key]: facts } });
    put({ state: 'reading' });
    api.planBackup({ source: drive.path }).then(
      (plan) => put({ state: 'read', plan }),
      (error: unknown) => put({ state: 'failed', problem: problemOf(error) }),
    );
  },
  keepOnly(drives) {
    const keys = new Set(drives.map(factsKey));
    const facts = get().facts;
    if (Object.keys(facts).every((k) => keys.has(k))) return;
    set({ facts: Object.fromEntries(Object.entries(facts).filter(([k]) => keys.has(k))) });
  },
}));
