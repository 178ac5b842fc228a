// What a wizard shows once its job has started: the job live, then how it ended, then what
// the wizard adds (a verify, an eject button, where the files went), and the one button that
// leaves the screen once nothing is running any more.

import type { ReactNode } from 'react';
import { JobLiveView } from './JobLiveView.js';
import { JobOutcomeNote } from './JobOutcomeNote.js';
import { useJobs } from './jobs-store.js';

export function JobScreen(props: {
  jobId: string;
  onCancel(): void;
  /** The button that leaves the screen ("Done", "New backup"). */
  leave: {
    label: string;
    onClick(): void;
    /** When to offer it; by default once the job has ended, however it ended. */
    shown?: boolean;
  };
  children?: ReactNode;
}) {
  const job = useJobs((s) => s.jobs[props.jobId]);
  const shown = props.leave.shown ?? (job !== undefined && job.outcome.state !== 'running');
  return (
    <div className="job-screen">
      <JobLiveView jobId={props.jobId} onCancel={props.onCancel} />
      {job && <JobOutcomeNote view={job} />}
      {props.children}
      {shown && (
        <button type="button" className="primary" onClick={props.leave.onClick}>
          {props.leave.label}
        </button>
      )}
    </div>
  );
}
