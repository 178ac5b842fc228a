// The clone wizard's store: the draft (rules in clone-draft.ts) and its API calls — plan the
// clone of the chosen drives (again when the choice of what grows changes), start, cancel.

import { create } from 'zustand';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { GrowChoice } from '../../src-shared/protocol/plans.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useDrives } from '../store/drives-store.js';
import { nameOf } from '../words/drive-words.js';
import { problemOf, type Problem } from '../words/error-words.js';
import {
  cloneParams,
  newCloneDraft,
  nextStep,
  previousStep,
  stepProblem,
  type CloneDraft,
} from './clone-draft.js';

export interface CloneWizardState {
  draft: CloneDraft;
  problem: Problem | null;
  jobId: string | null;
  chooseSource(source: string): void;
  chooseTarget(api: ApiClient, target: string): Promise<void>;
  chooseGrow(api: ApiClient, grow: GrowChoice): Promise<void>;
  setTypedName(name: string): void;
  setNewIds(on: boolean): void;
  setReadBack(on: boolean): void;
  next(): void;
  back(): void;
  start(api: ApiClient): Promise<void>;
  cancel(api: ApiClient): Promise<void>;
  reset(): void;
}

export const useCloneWizard = create<CloneWizardState>((set, get) => {
  const update = (change: Partial<CloneDraft>) =>
    set((state) => ({ draft: { ...state.draft, ...change } }));

  /** Plans what the draft names now; an answer for an older choice is dropped. */
  const plan = async (api: ApiClient) => {
    const { source, target, grow } = get().draft;
    if (!source || !target) return;
    set({ problem: null });
    try {
      const result = await api.planClone({ source, target, grow });
      const now = get().draft;
      if (now.source === source && now.target === target && now.grow === grow) {
        update({ planned: { source, target, grow, plan: result } });
      }
    } catch (error) {
      const now = get().draft;
      if (now.source === source && now.target === target) set({ problem: problemOf(error) });
    }
  };

  return {
    draft: newCloneDraft(),
    problem: null,
    jobId: null,

    chooseSource(source) {
      const { draft } = get();
      if (draft.source === source) return;
      // The target was chosen against the other source (it may even be this one).
      update({ source, target: null, grow: 'largest', planned: null, typedName: '' });
      set({ problem: null });
    },
    async chooseTarget(api, target) {
      update({ target, grow: 'largest', typedName: '' });
      await plan(api);
    },
    async chooseGrow(api, grow) {
      update({ grow });
      await plan(api);
    },
    setTypedName: (typedName) => update({ typedName }),
    setNewIds: (newIds) => update({ newIds }),
    setReadBack: (readBack) => update({ readBack }),
    next() {
      const { draft } = get();
      if (stepProblem(draft) === null) update({ step: nextStep(draft.step) });
    },
    back: () => update({ step: previousStep(get().draft.step) }),
    async start(api) {
      const params = cloneParams(get().draft);
      if (!params) return;
      set({ problem: null });
      try {
        const { jobId } = await api.startClone(params);
        const drives = useDrives.getState().drives;
        useJobs
          .getState()
          .track(
            jobId,
            'clone',
            `Copy ${nameOf(params.source, drives)} onto ${nameOf(params.target, drives)}`,
          );
        set({ jobId });
      } catch (error) {
        set({ problem: problemOf(error) });
      }
    },
    async cancel(api) {
      const { jobId } = get();
      // 'not-found': the job ended meanwhile, which is what cancelling wants.
      if (jobId) await api.cancel({ jobId }).catch(() => {});
    },
    reset: () => set({ draft: newCloneDraft(), problem: null, jobId: null }),
  };
});
