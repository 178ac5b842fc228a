// Watches for drives plugged in while the app runs (a look every few seconds, on any
// screen): one with remembered settings gets the offer "Back up <drive> now?", or, when its
// settings say so, its backup starts by itself. Never a restore; never a drive without them.

import { create } from 'zustand';
import type { ApiDrive } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';
import { driveKey } from '../../src-shared/drive-plan.js';
import { usePlans } from './plans-store.js';
import { pluggedInWithPlan } from './plug-in.js';

export const PLUG_IN_POLL_MS = 3000;

export interface PlugInState {
  /** The drives' keys at the last look; null before the first. */
  seen: ReadonlySet<string> | null;
  /** Drives offered and not answered yet. */
  offers: ApiDrive[];
  look(api: ApiClient): Promise<void>;
  dismiss(drive: ApiDrive): void;
}

export const usePlugIn = create<PlugInState>((set, get) => ({
  seen: null,
  offers: [],
  async look(api) {
    const [drives] = await Promise.all([api.listDrives({}), usePlans.getState().load(api)]);
    const plans = usePlans.getState().plans;
    const plugged = pluggedInWithPlan(get().seen, drives, plans);
    const present = new Set(drives.map((d) => driveKey(d.identity)));
    const auto = plugged.filter((d) => plans[driveKey(d.identity)]?.autoStart);
    const offered = plugged.filter((d) => !plans[driveKey(d.identity)]?.autoStart);
    set({
      seen: present,
      // An offer goes when its drive does.
      offers: [...get().offers.filter((d) => present.has(driveKey(d.identity))), ...offered],
    });
    for (const drive of auto) await usePlans.getState().backUpNow(api, drive);
  },
  dismiss(drive) {
    const key = driveKey(drive.identity);
    set({ offers: get().offers.filter((d) => driveKey(d.identity) !== key) });
  },
}));
