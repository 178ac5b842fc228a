// One drive on the Home screen, as a card: what kind it is (icon and words), its name and
// capacity, a used-space bar per partition, when it was last backed up, and what can be
// done with it — "Back up" (the wizard, with this drive chosen) and, with remembered
// settings, "Back up now". Its partition table and why it cannot be restored to are there
// too, as the Drives screen showed them.

import { CircleCheck, CircleAlert, Clock } from 'lucide-react';
import { useState } from 'react';
import type { ApiDrive } from '../../src-shared/api.js';
import type { DrivePlan } from '../../src-shared/drive-plan.js';
import { cautionLine } from '../../src-shared/target-rules.js';
import { formatBytes } from '../../src-shared/units.js';
import { PartitionTable } from '../components/PartitionTable.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { DriveIcon } from './DriveIcon.js';
import { driveKind } from './drive-kind.js';
import type { LastBackupWords } from './last-backup.js';
import type { PartitionFacts } from './partition-facts-store.js';
import { PartitionUse } from './PartitionUse.js';
import { PlannedBackup } from './PlannedBackup.js';
import { readWholeSentence } from '../words/plan-words.js';

interface Props {
  drive: ApiDrive;
  /** Its partitions as read from its table, once asked. */
  facts: PartitionFacts | undefined;
  lastBackup: LastBackupWords;
  plan: DrivePlan | null;
  onBackUp(): void;
  /** Set while partitions are read only on request (reading would prompt for a password). */
  onReadPartitions?: (() => void) | null;
}

const TONE_ICONS = { ok: CircleCheck, warn: CircleAlert, none: Clock };

export function DriveCard({
  drive,
  facts,
  lastBackup,
  plan,
  onBackUp,
  onReadPartitions = null,
}: Props) {
  const [open, setOpen] = useState(false);
  const name = drive.description || drive.path;
  const ToneIcon = TONE_ICONS[lastBackup.tone];
  const read = facts?.state === 'read' ? facts.plan : null;
  // An unconfigured zram or loop device: nothing on it to read, back up or restore onto.
  const empty = drive.size === 0;
  return (
    <li className={drive.canRestoreTo ? 'drive card' : 'drive card blocked'}>
      <div className="card-head">
        <DriveIcon kind={driveKind(drive)} />
        <div className="card-title">
          <h3 className="name" title={name}>
            {name}
          </h3>
          <p className="drive-facts">
            <span className="size">{formatBytes(drive.size)}</span>{' '}
            <span className="path">{drive.path}</span>
            {drive.removable && <span className="badge">removable</span>}
            {drive.system && <span className="badge system">system</span>}
            {drive.readOnly && <span className="badge">read-only</span>}
          </p>
        </div>
      </div>
      {empty && <p className="muted">{readWholeSentence({ cause: 'empty' })}</p>}
      {facts?.state === 'reading' && <p className="muted">Reading its partitions…</p>}
      {!empty && !facts && onReadPartitions && (
        <p className="muted read-partitions">
          Its partitions and the space they use are read from the drive, which needs your
          administrator password (asked once while Spillway is open).{' '}
          <button type="button" className="link" onClick={onReadPartitions}>
            Read partitions
          </button>
        </p>
      )}
      {read && read.partitions.length > 0 && (
        <PartitionUse path={drive.path} partitions={read.partitions} />
      )}
      {facts?.state === 'failed' && (
        <p className="muted">Its partitions could not be read: {facts.problem.message}</p>
      )}
      {!empty && read && read.partitions.length === 0 && (
        <p className="muted">
          {read.whole ? readWholeSentence(read.whole) : 'Its partition table lists no partitions.'}
        </p>
      )}
      {!empty && (
        <p className={`last-backup ${lastBackup.tone}`}>
          <ToneIcon aria-hidden="true" size={18} />
          <span>
            <span className="muted">Last backup: </span>
            {lastBackup.line}
          </span>
        </p>
      )}
      {!empty && (
        <div className="card-actions">
          <button type="button" className={plan ? '' : 'primary'} onClick={onBackUp}>
            Back up…
          </button>
          <button
            type="button"
            className="link"
            aria-expanded={open}
            onClick={() => {
              if (!open && !facts) onReadPartitions?.();
              setOpen(!open);
            }}
          >
            {open ? 'Hide partitions' : 'Partitions'}
          </button>
        </div>
      )}
      {plan && <PlannedBackup drive={drive} plan={plan} />}
      <ul className="cautions" aria-label={`Cautions for ${drive.path}`}>
        {drive.cautions
          // The empty sentence above says it already.
          .filter((caution) => caution.kind !== 'empty')
          .map((caution) => (
            <li key={caution.kind + ('path' in caution ? caution.path : '')}>
              {cautionLine(caution)}
            </li>
          ))}
      </ul>
      {open && (
        <div className="partitions">
          {facts?.state === 'failed' && <ProblemNote problem={facts.problem} />}
          {(!facts || facts.state === 'reading') && <p>Reading the partition table…</p>}
          {read && read.partitions.length > 0 && (
            <PartitionTable label={`Partitions of ${drive.path}`} partitions={read.partitions} />
          )}
        </div>
      )}
    </li>
  );
}
