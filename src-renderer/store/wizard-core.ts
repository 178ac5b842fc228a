// What the three wizard stores (backup, restore, clone) do alike: edit the draft, move between
// the wizard's own steps (on only when the step has no problem), start a job and draw it, or
// say why it did not start, and cancel it. Each store keeps its own state, steps and rules
// and passes them in; the draft's `step` can only ever be one of the wizard's steps.

import type { ApiClient } from '../../src-shared/api-client.js';
import type { JobKind } from '../../src-shared/protocol/events.js';
import { useJobs } from '../jobs/jobs-store.js';
import { problemOf, type Problem } from '../words/error-words.js';

/** What every wizard store holds, besides what is its own. */
export interface WizardCoreState<Draft> {
  draft: Draft;
  problem: Problem | null;
  /** The job the wizard started, drawn by its live view. */
  jobId: string | null;
}

/** What every wizard store does, besides what is its own. */
export interface WizardCoreActions {
  next(): void;
  back(): void;
  start(api: ApiClient): Promise<void>;
  cancel(api: ApiClient): Promise<void>;
  reset(): void;
}

export interface WizardRules<Draft extends { step: string }> {
  /** The wizard's steps, in order. */
  steps: readonly [Draft['step'], ...Array<Draft['step']>];
  /** Why the draft cannot go on from its step, or null when it can. */
  stepProblem(draft: Draft): string | null;
}

/** zustand's set and get, as far as the shared part uses them. */
type SetState<Draft> = (
  change:
    | Partial<WizardCoreState<Draft>>
    | ((state: WizardCoreState<Draft>) => Partial<WizardCoreState<Draft>>),
) => void;
type GetState<Draft> = () => WizardCoreState<Draft>;

export interface WizardCore<Draft> {
  /** Changes these fields of the draft. */
  update(change: Partial<Draft>): void;
  /** The next step, when the draft has no problem at this one; the last stays. */
  next(): void;
  /** The step before; the first stays. */
  back(): void;
  /**
   * Starts a job with `begin` (which answers its id and the title it is drawn under) and
   * draws it; a refusal becomes the wizard's problem. `started` runs once it has started, as
   * it becomes the wizard's job (what else the store changes then).
   */
  startJob(
    kind: JobKind,
    begin: () => Promise<{ jobId: string; title: string }>,
    started?: () => void,
  ): Promise<void>;
  /** Cancels `jobId` (by default the wizard's job). */
  cancelJob(api: ApiClient, jobId?: string | null): Promise<void>;
}

export function wizardCore<Draft extends { step: string }>(
  set: SetState<Draft>,
  get: GetState<Draft>,
  { steps, stepProblem }: WizardRules<Draft>,
): WizardCore<Draft> {
  const update = (change: Partial<Draft>) =>
    set((state) => ({ draft: { ...state.draft, ...change } }));
  /** The step `by` away from the draft's, kept within the wizard's steps. */
  const moveBy = (by: 1 | -1) => {
    const at = steps.indexOf(get().draft.step);
    const change: Partial<Draft> = {};
    change.step = steps[Math.min(Math.max(at + by, 0), steps.length - 1)];
    update(change);
  };

  return {
    update,
    next() {
      if (stepProblem(get().draft) === null) moveBy(1);
    },
    back: () => moveBy(-1),
    async startJob(kind, begin, started) {
      set({ problem: null });
      try {
        const { jobId, title } = await begin();
        useJobs.getState().track(jobId, kind, title);
        started?.();
        set({ jobId });
      } catch (error) {
        set({ problem: problemOf(error) });
      }
    },
    async cancelJob(api, jobId = get().jobId) {
      // 'not-found': the job ended meanwhile, which is what cancelling wants.
      if (jobId) await api.cancel({ jobId }).catch(() => {});
    },
  };
}
