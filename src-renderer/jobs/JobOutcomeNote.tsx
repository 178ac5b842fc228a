// How a job ended, in words: what was made or checked, or what went wrong and what to do.

import { layoutWords } from '../../src-shared/layout-words.js';
import { formatBytes, formatDuration } from '../../src-shared/units.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { problemFromInfo } from '../words/error-words.js';
import type {
  BackupResult,
  RestoreCheck,
  UnusedOutcome,
  UnusedRangeOutcome,
} from '../../src-shared/protocol/events.js';
import type { JobView } from './job-view.js';

/** How a restore checked its image, in words. */
const CHECK_WORDS: Record<RestoreCheck, string> = {
  'stored-frames': 'The image was checked before writing: byte for byte as the backup wrote it.',
  frames: 'The image was checked before writing: every part written is as it was backed up.',
  'stream-hash': 'The image was checked before writing against its checksum of the whole drive.',
  'codec-checksums':
    'The image was checked before writing by its compressor’s own checksums only (it has no Spillway index).',
  'codec-checksums-while-writing':
    'The image was checked as it was written, by its compressor’s own checksums (it has no Spillway index): every written byte passed them.',
  none: 'The image was not checked before writing.',
};

const UNUSED_DONE: Record<UnusedOutcome, string> = {
  discarded: 'erased by the drive (discarded; read back as zeros)',
  zeroed: 'zeroed',
  kept: 'left as it was (its old data is still there)',
  hole: 'left empty (it reads as zeros)',
};

/** "Space not used by any filesystem: 196 MiB erased by the drive …, 13 MiB zeroed." */
export function unusedDoneWords(unused: readonly UnusedRangeOutcome[]): string | null {
  const totals = new Map<UnusedOutcome, number>();
  for (const { range, done } of unused) {
    totals.set(done, (totals.get(done) ?? 0) + range[1] - range[0]);
  }
  if (totals.size === 0) return null;
  const parts = [...totals].map(([done, n]) => `${formatBytes(n)} ${UNUSED_DONE[done]}`);
  return `Space not used by any filesystem: ${parts.join(', ')}.`;
}

/** After "Back up now": the new image's verify, and the old images deleted (keep last N). */
export function plannedWords(planned: NonNullable<BackupResult['planned']>): string {
  const verified = planned.verified
    ? ' Verified: the image is intact.'
    : ' The new image did not verify, so no older image was deleted.';
  if (planned.deleted.length === 0) return verified;
  const names = planned.deleted.map((path) => path.split('/').pop()).join(', ');
  const n = planned.deleted.length;
  return (
    `${verified} Deleted ${n} older image${n === 1 ? '' : 's'} of this drive ` +
    `(${names}), freeing ${formatBytes(planned.freed)}.`
  );
}

export function JobOutcomeNote({ view }: { view: JobView }) {
  const { outcome } = view;
  if (outcome.state === 'running') return null;
  if (outcome.state === 'failed') {
    if (outcome.error.code === 'cancelled') {
      // A copy out of an image keeps the files it finished; none is left half-written.
      if (view.kind === 'extract') {
        return (
          <p className="outcome cancelled" role="status">
            Cancelled. The files copied before stay in the folder; no file was left half-copied.
          </p>
        );
      }
      return (
        <p className="outcome cancelled" role="status">
          Cancelled. Nothing half-written was left behind.
        </p>
      );
    }
    return <ProblemNote problem={problemFromInfo(outcome.error)} />;
  }
  const result = outcome.result;
  switch (result.kind) {
    case 'backup':
      return (
        <p className="outcome done" role="status">
          Backup done: {result.image}, {formatBytes(result.imageBytes)} for{' '}
          {formatBytes(result.size)}
          {result.ratio !== null && ` (${result.ratio.toFixed(2)}× smaller)`} in{' '}
          {formatDuration(result.seconds)}.
          {result.parts !== undefined && ` Split into ${result.parts} parts.`}
          {result.badRanges.length > 0 &&
            ` ${result.badRanges.length} unreadable areas were stored as zeros.`}
          {result.base &&
            result.base.refused === undefined &&
            ` ${result.base.framesReused} of ${result.frames} frames were unchanged and taken from ${result.base.image}.`}
          {result.planned && plannedWords(result.planned)}
        </p>
      );
    case 'verify':
      return result.ok ? (
        <p className="outcome done" role="status">
          Verified: the image is intact
          {result.checked === 'frames-and-stream-hash'
            ? ' (every frame and the whole drive’s checksum).'
            : result.checked === 'codec-checksums'
              ? ' (the compressor’s own checksums; this image has no Spillway index).'
              : ' (nothing to check it against: a plain image).'}
        </p>
      ) : (
        <div className="outcome failed" role="alert">
          <strong>The image is damaged.</strong>
          <ul>
            {result.damage.slice(0, 10).map((d, i) => (
              <li key={i}>
                {d.drive
                  ? `Drive bytes ${formatBytes(d.drive[0])}–${formatBytes(d.drive[1])}`
                  : 'Somewhere'}
                : {d.reason}
              </li>
            ))}
          </ul>
          <p>Make a new backup of the drive if you still have it.</p>
        </div>
      );
    case 'restore':
      return (
        <p className="outcome done" role="status">
          Restored {formatBytes(result.bytesWritten)} onto {result.target} in{' '}
          {formatDuration(result.seconds)}. {CHECK_WORDS[result.checked]}{' '}
          {result.readBack === true
            ? 'Read back: every written byte is as in the image.'
            : 'Read-back check skipped.'}
          {result.layout ? ` ${layoutWords(result.layout).trim().replace(/\n/g, ' ')}` : ''}
          {unusedDoneWords(result.unused) !== null && ` ${unusedDoneWords(result.unused)}`}
        </p>
      );
    case 'clone':
      return (
        <p className="outcome done" role="status">
          Copied {formatBytes(result.bytesWritten)} from {result.source} onto {result.target} in{' '}
          {formatDuration(result.seconds)}.{' '}
          {result.readBack === true
            ? 'Read back: every written byte is as on the source.'
            : 'Read-back check skipped.'}
          {result.layout ? ` ${layoutWords(result.layout).trim().replace(/\n/g, ' ')}` : ''}
        </p>
      );
    case 'extract':
      return (
        <div className="outcome" role="status">
          <p className="outcome done">
            Copied {result.files} file{result.files === 1 ? '' : 's'} ({formatBytes(result.bytes)})
            {result.folders > 0 && ` in ${result.folders} folder${result.folders === 1 ? '' : 's'}`}{' '}
            into {result.destination} in {formatDuration(result.seconds)}.
            {result.symlinks > 0 &&
              ` ${result.symlinks} symbolic link${result.symlinks === 1 ? ' was' : 's were'} copied as links.`}
            {result.skipped > 0 &&
              ` ${result.skipped} devices, pipes or sockets were left out (they hold no data).`}
          </p>
          {result.failedCount > 0 && (
            <div className="outcome failed">
              <strong>
                {result.failedCount} could not be read from the image (damaged there); everything
                else was copied:
              </strong>
              <ul>
                {result.failed.slice(0, 20).map((f) => (
                  <li key={f.path}>
                    {f.path}: {f.reason}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      );
    default:
      return (
        <p className="outcome done" role="status">
          Done.
        </p>
      );
  }
}
