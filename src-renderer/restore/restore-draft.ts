// The restore wizard's state and rules, pure: which step may be left and why not. The last
// rule is the one that matters most: nothing starts until the user has typed the target's
// name exactly as the plan shows it.

import type { HistoryEntry, ImageKey, RestoreParams } from '../../src-shared/api.js';
import type { Problem } from '../words/error-words.js';
import type { ImageLock } from '../unlock/image-lock.js';
import type {
  ImageInfo,
  RestorePlan,
  UnusedChoice,
  UnusedSpace,
} from '../../src-shared/protocol/plans.js';
import { formatBytes } from '../../src-shared/units.js';

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
  /** The image could not be opened (the problem says why): nothing is being opened. */
  openFailed: boolean;
  /** From a verify run here or the history: true intact, false damaged, null not known. */
  verified: boolean | null;
  target: string | null;
  plan: RestorePlan | null;
  typedName: string;
  readBack: boolean;
  /** What to do with the target's space no filesystem of the image uses. */
  unused: UnusedChoice;
  /** What opened the image, when it is encrypted: in memory only, for this restore. */
  key: ImageKey | null;
  /** The image is encrypted and waits for its password (or key file). */
  unlocking: { lock: ImageLock; problem: Problem | null; busy: boolean } | null;
}

export function newRestoreDraft(): RestoreDraft {
  return {
    step: 'image',
    image: '',
    info: null,
    openFailed: false,
    verified: null,
    target: null,
    plan: null,
    typedName: '',
    readBack: true,
    unused: 'auto',
    key: null,
    unlocking: null,
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
      if (draft.openFailed) return 'Choose an image that can be opened.';
      if (draft.unlocking) {
        return draft.unlocking.lock === 'passphrase'
          ? 'The image is encrypted: type its password and choose Open.'
          : 'The image is encrypted for a key: choose its key file and choose Open.';
      }
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
    unused: draft.unused,
    ...(draft.key ? { key: draft.key } : {}),
  };
}

// ---- the target's unused space -------------------------------------------------------------

/** The choices the wizard offers; auto (the default) is erase. */
export type OfferedUnusedChoice = Exclude<UnusedChoice, 'auto'>;
export const effectiveUnused = (choice: UnusedChoice): OfferedUnusedChoice =>
  choice === 'auto' ? 'erase' : choice;

/** Whether there is unused space to decide about: a used-blocks image onto a drive or an
 *  existing file (a new file's unused space is holes, which read as zeros). */
export function unusedMatters(unused: UnusedSpace): boolean {
  return unused.bytes > 0 && !unused.newFile;
}

/** The speed of the last restore here (bytes written over its whole time, checks included),
 *  or null when there was none. */
export function lastRestoreRate(history: readonly HistoryEntry[]): number | null {
  const last = history
    .filter((h) => h.kind === 'restore' && h.outcome === 'done' && h.size !== null && h.size > 0)
    .at(-1);
  if (!last) return null;
  const seconds = (last.endedAt - last.startedAt) / 1000;
  return seconds > 0 ? last.size! / seconds : null;
}

/** What a choice costs, in words: "moments (the drive discards it)", "about 2 min (zeros
 *  written at the speed of the last restore here)", "writes 209 MiB of zeros". */
export function unusedCost(
  unused: UnusedSpace,
  choice: OfferedUnusedChoice,
  writeRate: number | null,
): string {
  if (choice === 'keep') return 'no time; the old data there stays readable';
  if (choice === 'erase' && unused.canDiscard) return 'moments: the drive discards it';
  const zeros = `writes ${formatBytes(unused.bytes)} of zeros`;
  if (writeRate === null) return zeros;
  return `${zeros}, about ${roughDuration(unused.bytes / writeRate)} at the speed of the last restore here`;
}

function roughDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const UNUSED_FATE: Record<OfferedUnusedChoice, string> = {
  erase: 'erased',
  zero: 'zeroed',
  keep: 'left as it is',
};

/** "The 209 MiB not used by any filesystem will be erased." — what will happen, only. */
export function unusedSentence(unused: UnusedSpace, choice: UnusedChoice): string | null {
  if (!unusedMatters(unused)) return null;
  return `The ${formatBytes(unused.bytes)} not used by any filesystem will be ${UNUSED_FATE[effectiveUnused(choice)]}.`;
}
