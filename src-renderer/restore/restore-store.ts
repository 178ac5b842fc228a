// The restore wizard's store: the draft (rules in restore-draft.ts) and its API calls —
// open the image, verify it now, plan onto the chosen drive, start.

import { create } from 'zustand';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { ImageKey } from '../../src-shared/api.js';
import type { UnusedChoice } from '../../src-shared/protocol/plans.js';
import { lockOf, unlockProblem, withKey } from '../unlock/image-lock.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useDrives } from '../store/drives-store.js';
import { jobTitle } from '../words/drive-words.js';
import { problemOf } from '../words/error-words.js';
import { wizardCore, type WizardCoreActions, type WizardCoreState } from '../store/wizard-core.js';
import {
  newRestoreDraft,
  restoreParams,
  RESTORE_STEPS,
  stepProblem,
  type RestoreDraft,
} from './restore-draft.js';

export interface RestoreWizardState extends WizardCoreState<RestoreDraft>, WizardCoreActions {
  verifyJobId: string | null;
  chooseImage(api: ApiClient, image: string): Promise<void>;
  /** Opens the encrypted image with the password or key file the user gave. */
  unlock(api: ApiClient, key: ImageKey): Promise<void>;
  verifyNow(api: ApiClient): Promise<void>;
  verified(ok: boolean): void;
  chooseTarget(api: ApiClient, target: string): Promise<void>;
  setTypedName(name: string): void;
  setReadBack(on: boolean): void;
  setUnused(choice: UnusedChoice): void;
}

export const useRestoreWizard = create<RestoreWizardState>((set, get) => {
  const core = wizardCore(set, get, { steps: RESTORE_STEPS, stepProblem });
  const { update } = core;

  /** Opens the image (with `key` when encrypted); a locked one asks for its key instead. */
  async function open(api: ApiClient, image: string, key: ImageKey | null): Promise<void> {
    try {
      const [info, history] = await Promise.all([
        api.inspectImage({ image, ...withKey(key) }),
        api.listHistory({}),
      ]);
      if (get().draft.image !== image) return;
      // The last verify of this image, if any, says whether it was intact.
      const lastVerify = history
        .filter((h) => h.kind === 'verify' && h.source === image && h.outcome === 'done')
        .at(-1);
      update({
        info: { ...info, path: image },
        verified: lastVerify?.verified ?? null,
        key,
        unlocking: null,
      });
    } catch (error) {
      if (get().draft.image !== image) return;
      const asked = get().draft.unlocking;
      const lock = lockOf(error);
      if (lock !== null) update({ unlocking: { lock, problem: null, busy: false } });
      else if (asked && key) {
        // A wrong password: said at the field, which stays for another try.
        update({ unlocking: { ...asked, busy: false, problem: unlockProblem(error, asked.lock) } });
      } else {
        update({ openFailed: true, unlocking: null });
        set({ problem: problemOf(error) });
      }
    }
  }

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
        key: null,
        unlocking: null,
      });
      set({ problem: null, verifyJobId: null });
      if (image.trim() === '') return;
      await open(api, image, null);
    },
    async unlock(api, key) {
      const { image, unlocking } = get().draft;
      if (!unlocking) return;
      update({ unlocking: { ...unlocking, busy: true, problem: null } });
      await open(api, image, key);
    },
    async verifyNow(api) {
      const { image, key } = get().draft;
      try {
        const { jobId } = await api.startVerify({ image, ...withKey(key) });
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
        const { image, key } = get().draft;
        const plan = await api.planRestore({ image, target, ...withKey(key) });
        if (get().draft.target === target)
          update({ plan: { ...plan, target: { ...plan.target, path: target } } });
      } catch (error) {
        if (get().draft.target === target) set({ problem: problemOf(error) });
      }
    },
    setTypedName: (typedName) => update({ typedName }),
    setReadBack: (readBack) => update({ readBack }),
    setUnused: (unused) => update({ unused }),
    next: core.next,
    back: core.back,
    async start(api) {
      const params = restoreParams(get().draft);
      if (!params) return;
      await core.startJob('restore', async () => ({
        jobId: (await api.startRestore(params)).jobId,
        title: jobTitle('restore', params.target, useDrives.getState().drives),
      }));
    },
    cancel: (api) => core.cancelJob(api),
    reset: () => set({ draft: newRestoreDraft(), problem: null, jobId: null, verifyJobId: null }),
  };
});
