// Images: every image the history knows of, one row each, grouped by the drive it was made
// from (its name and capacity; each image with its size, date, verify and what it shares with
// the one before), with inspect, verify, browse files, restore, and delete for those made
// here; then the jobs run.

import { useCallback, useEffect, useState } from 'react';
import type { HistoryEntry, ImageRecord } from '../../src-shared/api.js';
import type { ImageInfo } from '../../src-shared/protocol/plans.js';
import { formatBytes, formatDuration } from '../../src-shared/units.js';
import { useApi, useTransport } from '../api/api-context.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { JobLiveView } from '../jobs/JobLiveView.js';
import { JobOutcomeNote } from '../jobs/JobOutcomeNote.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useNav } from '../nav-store.js';
import { useBrowse } from '../browse/browse-store.js';
import { useRestoreWizard } from '../restore/restore-store.js';
import { problemOf, type Problem } from '../words/error-words.js';
import { useHistory } from './history-store.js';
import { useDrives } from '../store/drives-store.js';
import { groupHeading, sharingWords } from '../words/image-words.js';
import { imageGroups } from './image-groups.js';
import { UnlockImage } from '../unlock/UnlockImage.js';
import { useImageKey } from '../unlock/use-image-key.js';
import { withKey } from '../unlock/image-lock.js';
import { NoImagesYet } from './NoImagesYet.js';

const KIND_WORDS = {
  backup: 'Backup',
  restore: 'Restore',
  verify: 'Verify',
  extract: 'Files copied',
  clone: 'Clone',
} as const;

export function ImagesPage() {
  const api = useApi();
  const { entries, images, error, refresh } = useHistory();
  const drives = useDrives((s) => s.drives);
  useEffect(() => void refresh(api), [api, refresh]);
  // The drives plugged in now, for their names in the headings (else the model recorded).
  useEffect(() => void useDrives.getState().refresh(api), [api]);
  return (
    <section aria-labelledby="images-title">
      <h1 id="images-title">Images</h1>
      {error && <p role="alert">{error}</p>}
      {images.length === 0 && <NoImagesYet />}
      {imageGroups(images).map((group) => {
        const { name, capacity, serial } = groupHeading(group, drives);
        const title = capacity ? `${name}, ${capacity}` : name;
        return (
          <section key={group.key ?? ''} aria-label={title}>
            <h2>
              {name}
              {capacity && <span className="muted image-capacity"> · {capacity}</span>}
              {serial && <span className="muted image-serial"> · serial number {serial}</span>}
            </h2>
            <ul
              className="history"
              aria-label={group.key === null ? 'Images made by other tools' : `Images of ${title}`}
            >
              {group.images.map((image, i) => (
                <ImageRow
                  key={image.path}
                  image={image}
                  before={group.images[i + 1]?.path ?? null}
                />
              ))}
            </ul>
          </section>
        );
      })}
      {entries.length > 0 && (
        <details>
          <summary>Jobs run ({entries.length})</summary>
          <ul className="history" aria-label="History">
            {[...entries].reverse().map((entry) => (
              <HistoryLine key={entry.jobId} entry={entry} />
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function verifiedWords(image: ImageRecord): string {
  if (image.exists === false) return 'not on the disk any more (deleted or moved)';
  if (image.verified === false) return 'DAMAGED';
  if (image.verified === true) return 'verified';
  return 'not verified yet';
}

/** One job of the history, as a line: what, when, how long, and how it ended. */
function HistoryLine({ entry }: { entry: HistoryEntry }) {
  const outcome =
    entry.outcome === 'failed'
      ? `failed: ${entry.error?.message ?? ''}`
      : entry.outcome === 'cancelled'
        ? 'cancelled'
        : entry.verified === false
          ? 'done, damage found'
          : 'done';
  return (
    <li className="history-entry">
      <strong>{KIND_WORDS[entry.kind as keyof typeof KIND_WORDS] ?? entry.kind}</strong>{' '}
      <span>{entry.kind === 'backup' ? (entry.destination ?? entry.source) : entry.source}</span>
      <span className="muted">
        {' '}
        {new Date(entry.endedAt).toLocaleString()} ·{' '}
        {formatDuration((entry.endedAt - entry.startedAt) / 1000)}
        {(entry.kind === 'restore' || entry.kind === 'clone') &&
          entry.destination &&
          ` · onto ${entry.destination}`}
      </span>{' '}
      <span className={`state ${entry.outcome}`}>{outcome}</span>
    </li>
  );
}

/** One image: what and when, its verify, what it shares with `before` (the row below it). */
function ImageRow({ image: record, before }: { image: ImageRecord; before: string | null }) {
  const api = useApi();
  const transport = useTransport();
  const refresh = useHistory((s) => s.refresh);
  const go = useNav((s) => s.go);
  const chooseImage = useRestoreWizard((s) => s.chooseImage);
  const [info, setInfo] = useState<ImageInfo | null>(null);
  const [verifyJobId, setVerifyJobId] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const verifyJob = useJobs((s) => (verifyJobId ? s.jobs[verifyJobId] : undefined));
  // Actions only for a file that is there (or that cannot be told from here).
  const image = record.exists === false ? null : record.path;
  const shares = record.sharedWithPrevious && sharingWords(record.sharedWithPrevious, before);

  useEffect(() => {
    if (verifyJob && verifyJob.outcome.state !== 'running') void refresh(api);
  }, [verifyJob?.outcome.state, verifyJob, refresh, api]);

  const run = (action: () => Promise<unknown>) => {
    setProblem(null);
    action().catch((error: unknown) => setProblem(problemOf(error)));
  };
  // An encrypted image asks for its password (or key file) before inspect and verify.
  const showProblem = useCallback((error: unknown) => setProblem(problemOf(error)), []);
  const locked = useImageKey(api, image, showProblem);
  const guarded = (action: Parameters<typeof locked.guarded>[0]) => {
    setProblem(null);
    void locked.guarded(action);
  };

  return (
    <li className="history-entry">
      <div className="history-line">
        <strong>{record.path}</strong>
        <span className="muted">
          {' '}
          {record.madeAt !== null
            ? `made ${new Date(record.madeAt).toLocaleString()}`
            : `last used ${new Date(record.lastUsedAt).toLocaleString()}`}
          {record.size !== null && ` · ${formatBytes(record.size)}`}
          {record.imageBytes !== null && ` → ${formatBytes(record.imageBytes)}`}
          {record.ratio !== null && ` (${record.ratio.toFixed(2)}×)`}
        </span>{' '}
        <span className={`state ${record.verified === false ? 'failed' : 'done'}`}>
          {verifiedWords(record)}
        </span>
      </div>
      {shares && <span className="history-line muted image-shares">{shares}</span>}
      {image && (
        <div className="actions">
          <button
            type="button"
            onClick={() =>
              guarded(async (key) => setInfo(await api.inspectImage({ image, ...withKey(key) })))
            }
          >
            Inspect
          </button>
          <button
            type="button"
            onClick={() =>
              guarded(async (key) => {
                const { jobId } = await api.startVerify({ image, ...withKey(key) });
                useJobs.getState().track(jobId, 'verify', `Verify ${image}`);
                setVerifyJobId(jobId);
              })
            }
          >
            Verify
          </button>
          <button
            type="button"
            onClick={() => {
              void useBrowse.getState().openImage(api, image, 'images', locked.key);
              go('browse');
            }}
          >
            Browse files
          </button>
          <button
            type="button"
            onClick={() => {
              void chooseImage(api, image);
              go('restore');
            }}
          >
            Restore…
          </button>
          {transport === 'electron' && (
            <button type="button" onClick={() => run(() => api.revealInFolder({ path: image }))}>
              Show in folder
            </button>
          )}
          {record.madeHere && !confirmDelete && (
            <button type="button" onClick={() => setConfirmDelete(true)}>
              Delete…
            </button>
          )}
          {record.madeHere && confirmDelete && (
            <span className="confirm-delete" role="group" aria-label="Confirm delete">
              Delete {image} from the disk?{' '}
              <button
                type="button"
                className="danger"
                onClick={() =>
                  run(async () => {
                    await api.deleteImage({ image });
                    setConfirmDelete(false);
                    await refresh(api);
                  })
                }
              >
                Delete
              </button>
              <button type="button" onClick={() => setConfirmDelete(false)}>
                Keep
              </button>
            </span>
          )}
        </div>
      )}
      {image && locked.asking && (
        <UnlockImage image={image} {...locked.asking} onUnlock={(key) => void locked.unlock(key)} />
      )}
      <ProblemNote problem={problem} />
      {info && (
        <p className="muted">
          {info.codec}, {info.layout === 'indexed' ? `${info.frames} frames` : info.layout},{' '}
          {formatBytes(info.fileSize)}
          {info.payloadSize !== null && ` for ${formatBytes(info.payloadSize)}`}
          {info.manifest && `, made ${new Date(info.manifest.createdAt).toLocaleString()}`}
        </p>
      )}
      {verifyJobId && <JobLiveView jobId={verifyJobId} />}
      {verifyJob && <JobOutcomeNote view={verifyJob} />}
    </li>
  );
}
