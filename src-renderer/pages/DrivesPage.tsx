// The Drives screen: every drive with its name, size, bus and badges; for those that cannot
// be restored to, why not; on request, its partitions with filesystem, label and use.

import { useEffect, useState } from 'react';
import type { ApiDrive } from '../../src-shared/api.js';
import type { BackupPlan } from '../../src-shared/protocol/plans.js';
import { useApi } from '../api/api-context.js';
import { DriveLabel } from '../components/DriveLabel.js';
import { PartitionTable } from '../components/PartitionTable.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { useLiveDrives } from '../store/drives-store.js';
import { problemOf, type Problem } from '../words/error-words.js';
import { cautionLine } from '../../src-shared/target-rules.js';
import { driveKey, type DrivePlan } from '../../src-shared/drive-plan.js';
import { JobLiveView } from '../jobs/JobLiveView.js';
import { JobOutcomeNote } from '../jobs/JobOutcomeNote.js';
import { useJobs } from '../jobs/jobs-store.js';
import { usePlans } from '../plans/plans-store.js';

export function DrivesPage() {
  const api = useApi();
  const { drives, showAll, loading, error, setShowAll } = useLiveDrives(api);
  const { plans, load } = usePlans();
  useEffect(() => {
    // Without the plans the rows just lack "Back up now"; the plug-in watch loads them again.
    void load(api).catch(() => {});
  }, [api, load]);

  return (
    <section aria-labelledby="drives-title">
      <header className="bar">
        <h1 id="drives-title">Drives</h1>
        <label>
          <input
            type="checkbox"
            checked={showAll}
            onChange={(e) => void setShowAll(api, e.target.checked)}
          />{' '}
          Show all devices
        </label>
      </header>
      {error && <p role="alert">{error}</p>}
      {loading && <p>Looking for drives…</p>}
      {!loading && drives.length === 0 && <p>No drives found.</p>}
      <ul className="drives" aria-label="Drives">
        {drives.map((drive) => (
          <DriveRow
            key={drive.path}
            drive={drive}
            drivePlan={plans[driveKey(drive.identity)] ?? null}
          />
        ))}
      </ul>
    </section>
  );
}

function DriveRow({ drive, drivePlan }: { drive: ApiDrive; drivePlan: DrivePlan | null }) {
  const api = useApi();
  const [plan, setPlan] = useState<BackupPlan | null>(null);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const toggle = () => {
    setOpen(!open);
    if (!open && !plan) {
      api
        .planBackup({ source: drive.path })
        .then(setPlan, (e: unknown) => setProblem(problemOf(e)));
    }
  };
  return (
    <li className={drive.canRestoreTo ? 'drive' : 'drive blocked'}>
      <DriveLabel drive={drive} />
      <button type="button" className="link" aria-expanded={open} onClick={toggle}>
        {open ? 'Hide partitions' : 'Partitions'}
      </button>
      {drivePlan && <PlannedBackup drive={drive} plan={drivePlan} />}
      <ul className="cautions" aria-label={`Cautions for ${drive.path}`}>
        {drive.cautions.map((caution) => (
          <li key={caution.kind + ('path' in caution ? caution.path : '')}>
            {cautionLine(caution)}
          </li>
        ))}
      </ul>
      {open && (
        <div className="partitions">
          <ProblemNote problem={problem} />
          {!plan && !problem && <p>Reading the partition table…</p>}
          {plan && plan.partitions.length === 0 && (
            <p className="muted">{plan.reason ?? 'No partition table.'}</p>
          )}
          {plan && plan.partitions.length > 0 && (
            <PartitionTable label={`Partitions of ${drive.path}`} partitions={plan.partitions} />
          )}
        </div>
      )}
    </li>
  );
}

/** A drive with remembered settings: "Back up now" in one click, and its job while it runs. */
function PlannedBackup({ drive, plan }: { drive: ApiDrive; plan: DrivePlan }) {
  const api = useApi();
  const key = driveKey(drive.identity);
  const { backUpNow, forget } = usePlans();
  const jobId = usePlans((s) => s.jobs[key]);
  const problem = usePlans((s) => s.problems[key] ?? null);
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const running = job?.outcome.state === 'running';
  const keeps =
    plan.keep === null ? 'keeps every image' : `keeps the newest ${plan.keep} of this drive there`;
  return (
    <div className="planned" aria-label={`Remembered settings for ${drive.path}`}>
      <p className="muted">
        Backs up to {plan.destination} ({plan.codec} level {plan.level},{' '}
        {plan.mode === 'used' ? 'used blocks' : 'every byte'}); {keeps}.
      </p>
      <button
        type="button"
        className="primary"
        disabled={running}
        onClick={() => void backUpNow(api, drive)}
      >
        Back up now
      </button>{' '}
      <button
        type="button"
        className="link"
        disabled={running}
        onClick={() => void forget(api, drive)}
      >
        Forget these settings
      </button>
      <ProblemNote problem={problem} />
      {jobId && <JobLiveView jobId={jobId} />}
      {job && <JobOutcomeNote view={job} />}
    </div>
  );
}
