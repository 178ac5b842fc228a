// Every job this window started, as JobViews, fed by the API's job events. A wizard keeps
// the id of its job and draws `jobs[id]`.

import { create } from 'zustand';
import type { JobKind } from '../../src-shared/protocol/events.js';
import type { ApiClient } from '../../src-shared/api-client.js';
import { applyJobEvent, newJobView, type JobView } from './job-view.js';

export interface JobsState {
  jobs: Record<string, JobView>;
  /** Starts drawing a job the API has just started. */
  track(jobId: string, kind: JobKind, title: string): void;
  /** Feeds the store from the API's job events; returns the unsubscribe function. */
  listen(api: ApiClient): () => void;
}

export const useJobs = create<JobsState>((set) => ({
  jobs: {},
  track(jobId, kind, title) {
    set((state) => ({
      // Events may have come before the call's answer: keep what arrived.
      jobs: { ...state.jobs, [jobId]: state.jobs[jobId] ?? newJobView(jobId, kind, title) },
    }));
  },
  listen(api) {
    return api.onJobEvent((jobId, event) => {
      set((state) => {
        const view = state.jobs[jobId] ?? newJobView(jobId, event.job, event.job);
        return { jobs: { ...state.jobs, [jobId]: applyJobEvent(view, event) } };
      });
    });
  },
}));
