// A drive with remembered settings, on its card: what they are, "Back up now" in one click,
// and its job while it runs.

import type { ApiDrive } from '../../src-shared/api.js';
import { driveKey, type DrivePlan } from '../../src-shared/drive-plan.js';
import { useApi } from '../api/api-context.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { JobLiveView } from '../jobs/JobLiveView.js';
import { JobOutcomeNote } from '../jobs/JobOutcomeNote.js';
import { useJobs } from '../jobs/jobs-store.js';
import { usePlans } from '../plans/plans-store.js';

export function PlannedBackup({ drive, plan }: { drive: ApiDrive; plan: DrivePlan }) {
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
      <div className="inline-actions">
        <button
          type="button"
          className="primary"
          disabled={running}
          onClick={() => void backUpNow(api, drive)}
        >
          Back up now
        </button>
        <button
          type="button"
          className="link"
          disabled={running}
          onClick={() => void forget(api, drive)}
        >
          Forget these settings
        </button>
      </div>
      <ProblemNote problem={problem} />
      {jobId && <JobLiveView jobId={jobId} compact />}
      {job && <JobOutcomeNote view={job} />}
    </div>
  );
}
