// The backup wizard's choices so far, for the summary beside its steps (pure).

import { formatBytes } from '../../src-shared/units.js';
import type { SideRow } from '../components/SideSummary.js';
import { nameOf } from '../words/drive-words.js';
import { bytesToRead, expectedImageBytes, type BackupDraft } from './backup-draft.js';

export function backupSideRows(
  draft: BackupDraft,
  drives: readonly { path: string; description: string }[],
): SideRow[] {
  const read = bytesToRead(draft);
  const expected = expectedImageBytes(draft);
  return [
    ['Drive', draft.source ? nameOf(draft.source, drives) : null],
    [
      'Reads',
      read === null
        ? null
        : `${formatBytes(read)} (${draft.mode === 'used' ? 'used blocks' : 'every byte'})`,
    ],
    ['Compression', draft.codec === 'none' ? 'none' : `${draft.codec} level ${draft.level}`],
    ['Image', expected === null ? null : `about ${formatBytes(expected)}`],
    ['Saved to', draft.folder.trim() === '' ? null : draft.folder],
  ];
}
