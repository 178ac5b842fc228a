// The restore wizard's state and rules, pure: which step may be left and why not. The last
// rule is the one that matters most: nothing starts until the user has typed the target's
// name exactly as the plan shows it.

import type { RestoreParams } from '../../src-shared/api.js';
import type { ImageInfo, RestorePlan } from '../../src-shared/protocol/plans.js';

export const RESTORE_STEPS = ['image', 'contents', 'target', 'confirm'] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];

export const RESTORE_STEP_TITLES: Record<RestoreStep, string> = {
  image: 'Image',
  contents: 'What is in it',
  target: 'Target drive',
  confirm: 'Confirm',
};

export interface RestoreDraft {
  step: RestoreStep;
  image: string;
  info: ImageInfo | null;
  /** From a verify run here or the history: true intact, false damaged, null not known. */
  verified: boolean | null;
  target: string | null;
  plan: RestorePlan | null;
  typedName: string;
  readBack: boolean;
}

export function newRestoreDraft(): RestoreDraft {
  return {
    step: 'image',
    image: '',
    info: null,
    verified: null,
    target: null,
    plan: null,
    typedName: '',
    readBack: true,
  };
}

/** The name the user must type, when there is a plan for the chosen target. */
export function confirmName(draft: RestoreDraft): string | null {
  return draft.plan && draft.plan.target.path === draft.target ? draft.plan.target.name : null;
}

export function stepProblem(draft: RestoreDraft): string | null {
  switch (draft.step) {
    case 'image':
      if (draft.image.trim() === '') return 'Choose an image to restore.';
      if (!draft.info || draft.info.path !== draft.image) return 'Opening the image…';
      return null;
    case 'contents':
      if (draft.verified === false) return 'The image is damaged: it cannot be restored safely.';
      return null;
    case 'target': {
      if (!draft.target) return 'Choose the drive to restore onto.';
      if (!draft.plan || draft.plan.target.path !== draft.target) return 'Checking the drive…';
      const refusal = draft.plan.refusals[0];
      return refusal ? refusal.message : null;
    }
    case 'confirm': {
      const name = confirmName(draft);
      if (name === null) return 'Choose the drive to restore onto.';
      return draft.typedName === name ? null : `Type ${name} to confirm.`;
    }
  }
}

export function nextStep(step: RestoreStep): RestoreStep {
  return RESTORE_STEPS[Math.min(RESTORE_STEPS.indexOf(step) + 1, RESTORE_STEPS.length - 1)]!;
}

export function previousStep(step: RestoreStep): RestoreStep {
  return RESTORE_STEPS[Math.max(RESTORE_STEPS.indexOf(step) - 1, 0)]!;
}

/** The startRestore call; only when every rule holds. */
export function restoreParams(draft: RestoreDraft): RestoreParams | null {
  if (draft.step !== 'confirm' || stepProblem(draft) !== null || !draft.target) return null;
  const shown = draft.plan!.target;
  return {
    image: draft.image,
    target: draft.target,
    confirmName: draft.typedName,
    // The drive as the user saw it: if the path leads elsewhere by now, nothing is written.
    expect: {
      size: shown.size,
      ...(typeof shown['model'] === 'string' ? { model: shown['model'] } : {}),
    },
    readBack: draft.readBack,
  };
}
