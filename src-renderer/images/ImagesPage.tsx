// Images: the history of images made and restored, with inspect, verify, browse files,
// restore and delete for the images made here.

import { useEffect, useState } from 'react';
import type { HistoryEntry } from '../../src-shared/api.js';
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

const KIND_WORDS = { backup: 'Backup', restore: 'Restore', verify: 'Verify' } as const;

export function ImagesPage() {
  const api = useApi();
  const { entries, error, refresh } = useHistory();
  useEffect(() => void refresh(api), [api, refresh]);
  return (
    <section aria-labelledby="images-title">
      <h1 id="images-title">Images</h1>
      {error && <p role="alert">{error}</p>}
      {entries.length === 0 && <p>No images yet: back up a drive and it is listed here.</p>}
      <ul className="history" aria-label="History">
        {[...entries].reverse().map((entry) => (
          <HistoryRow key={entry.jobId} entry={entry} verified={lastVerify(entries, entry)} />
        ))}
      </ul>
    </section>
  );
}

/** For an image made here: what its latest verify found (null: never verified). */
function lastVerify(entries: HistoryEntry[], entry: HistoryEntry): boolean | null {
  if (entry.kind !== 'backup' || !entry.destination) return entry.verified;
  const verifies = entries.filter(
    (e) => e.kind === 'verify' && e.outcome === 'done' && e.source === entry.destination,
  );
  return verifies.at(-1)?.verified ?? null;
}

function outcomeWords(entry: HistoryEntry, verified: boolean | null): string {
  if (entry.outcome === 'cancelled') return 'cancelled';
  if (entry.outcome === 'failed') return `failed: ${entry.error?.message ?? ''}`;
  if (verified === false) return 'done, DAMAGED';
  if (verified === true) return 'done, verified';
  return entry.kind === 'backup' ? 'done, not verified yet' : 'done';
}

function HistoryRow({ entry, verified }: { entry: HistoryEntry; verified: boolean | null }) {
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
  const image = entry.kind === 'backup' && entry.outcome === 'done' ? entry.destination : null;

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
        <strong>{KIND_WORDS[entry.kind as keyof typeof KIND_WORDS] ?? entry.kind}</strong>{' '}
        <span>{entry.kind === 'backup' ? (entry.destination ?? entry.source) : entry.source}</span>
        <span className="muted">
          {' '}
          {new Date(entry.endedAt).toLocaleString()} ·{' '}
          {formatDuration((entry.endedAt - entry.startedAt) / 1000)}
          {entry.kind === 'backup' && ` · from ${entry.source}`}
          {entry.kind === 'restore' && entry.destination && ` · onto ${entry.destination}`}
          {entry.size !== null && ` · ${formatBytes(entry.size)}`}
          {entry.imageBytes !== null && ` → ${formatBytes(entry.imageBytes)}`}
          {entry.ratio !== null && ` (${entry.ratio.toFixed(2)}×)`}
        </span>{' '}
        <span className={`state ${entry.outcome}`}>{outcomeWords(entry, verified)}</span>
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
          {!confirmDelete ? (
            <button type="button" onClick={() => setConfirmDelete(true)}>
              Delete…
            </button>
          ) : (
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
