// The Drives screen: every drive with its name, size, bus and badges; for those that cannot
// be restored to, why not; on request, its partitions with filesystem, label and use.

import { useState } from 'react';
import type { ApiDrive } from '../../src-shared/api.js';
import type { BackupPlan } from '../../src-shared/protocol/plans.js';
import { useApi } from '../api/api-context.js';
import { DriveLabel } from '../components/DriveLabel.js';
import { PartitionTable } from '../components/PartitionTable.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { useLiveDrives } from '../store/drives-store.js';
import { problemOf, type Problem } from '../words/error-words.js';
import { cautionLine } from '../../src-shared/target-rules.js';

export function DrivesPage() {
  const api = useApi();
  const { drives, showAll, loading, error, setShowAll } = useLiveDrives(api);

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
          <DriveRow key={drive.path} drive={drive} />
        ))}
      </ul>
    </section>
  );
}

function DriveRow({ drive }: { drive: ApiDrive }) {
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
