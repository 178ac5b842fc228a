// The restore wizard's choices so far, for the summary beside its steps (pure).

import { formatBytes } from '../../src-shared/units.js';
import type { SideRow } from '../components/SideSummary.js';
import { nameOf } from '../words/drive-words.js';
import type { RestoreDraft } from './restore-draft.js';

export function restoreSideRows(
  draft: RestoreDraft,
  drives: readonly { path: string; description: string }[],
): SideRow[] {
  const info = draft.info;
  const size = info?.payloadSize ?? null;
  return [
    ['Image', draft.image.trim() === '' ? null : (draft.image.split('/').pop() ?? draft.image)],
    [
      'Holds',
      info === null ? null : `${size === null ? 'a drive' : formatBytes(size)} (${info.codec})`,
    ],
    [
      'Checked',
      info === null
        ? null
        : draft.verified === true
          ? 'verified intact'
          : draft.verified === false
            ? 'damaged'
            : 'not verified yet',
    ],
    ['Onto', draft.target ? nameOf(draft.target, drives) : null],
  ];
}
