// The plans per drive (what "Remember these settings for this drive" saved) and the
// "Back up now" jobs started from the Home screen's drive cards, by drive: a job keeps running, and is
// shown again, when the user goes to another screen and back.

import { create } from 'zustand';
import type { ApiDrive } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';
import { driveKey, type DrivePlan } from '../../src-shared/drive-plan.js';
import { useJobs } from '../jobs/jobs-store.js';
import { problemOf, type Problem } from '../words/error-words.js';

export interface PlansState {
  /** By driveKey. */
  plans: Record<string, DrivePlan>;
  /** The latest "Back up now" job of each drive, by driveKey. */
  jobs: Record<string, string>;
  problems: Record<string, Problem>;
  load(api: ApiClient): Promise<void>;
  backUpNow(api: ApiClient, drive: ApiDrive): Promise<void>;
  forget(api: ApiClient, drive: ApiDrive): Promise<void>;
}

export const usePlans = create<PlansState>((set, get) => ({
  plans: {},
  jobs: {},
  problems: {},
  async load(api) {
    const plans = await api.listPlans({});
    set({ plans: Object.fromEntries(plans.map((p) => [driveKey(p.drive), p])) });
  },
  async backUpNow(api, drive) {
    const key = driveKey(drive.identity);
    set({
      problems: Object.fromEntries(Object.entries(get().problems).filter(([k]) => k !== key)),
    });
    try {
      const { jobId } = await api.backUpNow({ path: drive.path });
      useJobs.getState().track(jobId, 'backup', `Back up ${drive.description}`);
      set({ jobs: { ...get().jobs, [key]: jobId } });
    } catch (error) {
      set({ problems: { ...get().problems, [key]: problemOf(error) } });
    }
  },
  async forget(api, drive) {
    await api.deletePlan({ drive: drive.identity });
    await get().load(api);
  },
}));
