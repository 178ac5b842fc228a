// The rules that keep a restore off a drive it must not write, in one place: the drive list
// greys a drive out with them, and the engine refuses a target with them, however it was
// chosen (picked in the list, typed as a path, given to the API or to `spillway restore`).
// Pure: the facts are gathered elsewhere (src-main/engine/device/target-facts.ts), and the
// same words reach the list, the app's refusals and the CLI.

import type { Caution } from './api.js';
import type { ErrorInfo, Remedy } from './errors.js';
import type { MountedPart } from './protocol/plans.js';

/** What is known about a device, for the rules below. */
export interface TargetFacts {
  /** Bytes it holds. */
  size: number;
  /** The kernel will not write to it (write-protected, or attached read-only). */
  readOnly: boolean;
  /** The computer runs from it. */
  system: boolean;
  /** Its partitions (or itself) that are mounted or used as swap now. */
  mounted: MountedPart[];
  /** The paths the user chose (the image, a backup's destination) that live on it. */
  holds: string[];
}

/** Every reason the device is no target, in the order they are shown. */
export function targetCautions(facts: TargetFacts): Caution[] {
  const cautions: Caution[] = [];
  if (facts.system) cautions.push({ kind: 'system' });
  for (const path of facts.holds) cautions.push({ kind: 'holds-path', path });
  if (facts.mounted.length > 0) cautions.push({ kind: 'mounted', mounts: facts.mounted });
  if (facts.readOnly) cautions.push({ kind: 'read-only' });
  if (facts.size === 0) cautions.push({ kind: 'empty' });
  return cautions;
}

function mountWords(mount: MountedPart): string {
  return mount.mountPoint === 'swap'
    ? `${mount.device} is used as swap`
    : `${mount.device} on ${mount.mountPoint}`;
}

/** Why a device cannot be a target, as a phrase: "Cannot be used: it is read-only". */
export function cautionWords(caution: Caution): string {
  switch (caution.kind) {
    case 'system':
      return 'this computer runs from it';
    case 'holds-path':
      return `it holds ${caution.path}`;
    case 'mounted':
      return caution.mounts && caution.mounts.length > 0
        ? `it is in use: ${caution.mounts.map(mountWords).join(', ')}`
        : 'it is in use (mounted)';
    case 'read-only':
      return 'it is read-only: nothing can be written to it';
    case 'empty':
      return 'its size is 0 bytes: nothing fits on it';
  }
}

/** The same words as a line of their own (a list of reasons). */
export function cautionLine(caution: Caution): string {
  const words = cautionWords(caution);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What to do about it, as a remedy code each front end words. */
const CAUTION_REMEDIES = {
  system: 'choose-other-target',
  'holds-path': 'choose-other-target',
  mounted: 'unmount-target',
  'read-only': 'turn-off-write-protection',
  empty: 'choose-other-target',
} as const satisfies Record<Caution['kind'], Remedy>;

const CAUTION_CODES = {
  system: 'target-is-system',
  'holds-path': 'target-holds-image',
  mounted: 'target-mounted',
  'read-only': 'target-read-only',
  empty: 'target-too-small',
} as const satisfies Record<Caution['kind'], ErrorInfo['code']>;

/** The refusal a restore onto `path` ends with, before anything is written. */
export function cautionRefusal(caution: Caution, path: string): ErrorInfo {
  return {
    code: CAUTION_CODES[caution.kind],
    message: `${path} cannot be used: ${cautionWords(caution)}.`,
    facts: caution.kind === 'holds-path' ? { target: path, image: caution.path } : { target: path },
    remedy: CAUTION_REMEDIES[caution.kind],
  };
}
