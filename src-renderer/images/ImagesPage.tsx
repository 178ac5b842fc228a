// Images: every image the history knows of, one row each, grouped by the drive it was made
// from (inspect, verify, browse files, restore; delete for those made here), then the jobs run.

import { useEffect, useState } from 'react';
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
import { imageGroups } from './image-groups.js';
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
  useEffect(() => void refresh(api), [api, refresh]);
  return (
    <section aria-labelledby="images-title">
      <h1 id="images-title">Images</h1>
      {error && <p role="alert">{error}</p>}
      {images.length === 0 && <NoImagesYet />}
      {imageGroups(images).map((group) => (
        <section key={group.source ?? ''} aria-label={groupTitle(group.source)}>
          <h2>{groupTitle(group.source)}</h2>
          <ul className="history" aria-label={`Images ${groupTitle(group.source)}`}>
            {group.images.map((image) => (
              <ImageRow key={image.path} image={image} />
            ))}
          </ul>
        </section>
      ))}
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

function groupTitle(source: string | null): string {
  return source === null ? 'Made by other tools' : `Made from ${source}`;
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

function ImageRow({ image: record }: { image: ImageRecord }) {
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

  useEffect(() => {
    if (verifyJob && verifyJob.outcome.state !== 'running') void refresh(api);
  }, [verifyJob?.outcome.state, verifyJob, refresh, api]);

  const run = (action: () => Promise<unknown>) => {
    setProblem(null);
    action().catch((error: unknown) => setProblem(problemOf(error)));
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
      {image && (
        <div className="actions">
          <button
            type="button"
            onClick={() => run(async () => setInfo(await api.inspectImage({ image })))}
          >
            Inspect
          </button>
          <button
            type="button"
            onClick={() =>
              run(async () => {
                const { jobId } = await api.startVerify({ image });
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
              void useBrowse.getState().openImage(api, image, 'images');
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
