// The clone wizard's store: the draft (rules in clone-draft.ts) and its API calls — plan the
// clone of the chosen drives (again when the choice of what grows changes), start, cancel.

import { create } from 'zustand';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { GrowChoice } from '../../src-shared/protocol/plans.js';
import { useDrives } from '../store/drives-store.js';
import { nameOf } from '../words/drive-words.js';
import { problemOf } from '../words/error-words.js';
import { wizardCore, type WizardCoreActions, type WizardCoreState } from '../store/wizard-core.js';
import {
  cloneParams,
  CLONE_STEPS,
  newCloneDraft,
  stepProblem,
  type CloneDraft,
} from './clone-draft.js';

export interface CloneWizardState extends WizardCoreState<CloneDraft>, WizardCoreActions {
  chooseSource(source: string): void;
  chooseTarget(api: ApiClient, target: string): Promise<void>;
  chooseGrow(api: ApiClient, grow: GrowChoice): Promise<void>;
  setTypedName(name: string): void;
  setNewIds(on: boolean): void;
  setReadBack(on: boolean): void;
}

export const useCloneWizard = create<CloneWizardState>((set, get) => {
  const core = wizardCore(set, get, { steps: CLONE_STEPS, stepProblem });
  const { update } = core;

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
    next: core.next,
    back: core.back,
    async start(api) {
      const params = cloneParams(get().draft);
      if (!params) return;
      await core.startJob('clone', async () => {
        const { jobId } = await api.startClone(params);
        const drives = useDrives.getState().drives;
        const title = `Copy ${nameOf(params.source, drives)} onto ${nameOf(params.target, drives)}`;
        return { jobId, title };
      });
    },
    cancel: (api) => core.cancelJob(api),
    reset: () => set({ draft: newCloneDraft(), problem: null, jobId: null }),
  };
});
