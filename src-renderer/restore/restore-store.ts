// The restore wizard's store: the draft (rules in restore-draft.ts) and its API calls —
// open the image, verify it now, plan onto the chosen drive, start.

import { create } from 'zustand';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { UnusedChoice } from '../../src-shared/protocol/plans.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useDrives } from '../store/drives-store.js';
import { jobTitle } from '../words/drive-words.js';
import { problemOf, type Problem } from '../words/error-words.js';
import {
  newRestoreDraft,
  nextStep,
  previousStep,
  restoreParams,
  stepProblem,
  type RestoreDraft,
} from './restore-draft.js';

export interface RestoreWizardState {
  draft: RestoreDraft;
  problem: Problem | null;
  verifyJobId: string | null;
  jobId: string | null;
  chooseImage(api: ApiClient, image: string): Promise<void>;
  verifyNow(api: ApiClient): Promise<void>;
  verified(ok: boolean): void;
  chooseTarget(api: ApiClient, target: string): Promise<void>;
  setTypedName(name: string): void;
  setReadBack(on: boolean): void;
  setUnused(choice: UnusedChoice): void;
  next(): void;
  back(): void;
  start(api: ApiClient): Promise<void>;
  cancel(api: ApiClient): Promise<void>;
  reset(): void;
}

export const useRestoreWizard = create<RestoreWizardState>((set, get) => {
  const update = (change: Partial<RestoreDraft>) =>
    set((state) => ({ draft: { ...state.draft, ...change } }));

  return {
    draft: newRestoreDraft(),
    problem: null,
    verifyJobId: null,
    jobId: null,

    async chooseImage(api, image) {
      update({
        image,
        info: null,
        openFailed: false,
        verified: null,
        target: null,
        plan: null,
        typedName: '',
      });
      set({ problem: null, verifyJobId: null });
      if (image.trim() === '') return;
      try {
        const [info, history] = await Promise.all([
          api.inspectImage({ image }),
          api.listHistory({}),
        ]);
        if (get().draft.image !== image) return;
        // The last verify of this image, if any, says whether it was intact.
        const lastVerify = history
          .filter((h) => h.kind === 'verify' && h.source === image && h.outcome === 'done')
          .at(-1);
        update({ info: { ...info, path: image }, verified: lastVerify?.verified ?? null });
      } catch (error) {
        if (get().draft.image === image) {
          update({ openFailed: true });
          set({ problem: problemOf(error) });
        }
      }
    },
    async verifyNow(api) {
      const { image } = get().draft;
      try {
        const { jobId } = await api.startVerify({ image });
        useJobs.getState().track(jobId, 'verify', `Verify ${image}`);
        set({ verifyJobId: jobId });
      } catch (error) {
        set({ problem: problemOf(error) });
      }
    },
    verified: (ok) => update({ verified: ok }),
    async chooseTarget(api, target) {
      update({ target, plan: null, typedName: '' });
      set({ problem: null });
      try {
        const plan = await api.planRestore({ image: get().draft.image, target });
        if (get().draft.target === target)
          update({ plan: { ...plan, target: { ...plan.target, path: target } } });
      } catch (error) {
        if (get().draft.target === target) set({ problem: problemOf(error) });
      }
    },
    setTypedName: (typedName) => update({ typedName }),
    setReadBack: (readBack) => update({ readBack }),
    setUnused: (unused) => update({ unused }),
    next() {
      const { draft } = get();
      if (stepProblem(draft) === null) update({ step: nextStep(draft.step) });
    },
    back: () => update({ step: previousStep(get().draft.step) }),
    async start(api) {
      const params = restoreParams(get().draft);
      if (!params) return;
      set({ problem: null });
      try {
        const { jobId } = await api.startRestore(params);
        useJobs
          .getState()
          .track(jobId, 'restore', jobTitle('restore', params.target, useDrives.getState().drives));
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
    reset: () => set({ draft: newRestoreDraft(), problem: null, jobId: null, verifyJobId: null }),
  };
});
