// The Home screen, the first thing the app shows: the two things people come for, as two
// large actions (back up a drive; get files or a drive back), and the drives plugged in,
// one card each, refreshed as drives come and go. Each drive's partitions are read from the
// drive itself, which needs the privileged helper: where starting it would make the system
// ask for a password, Home waits until the person asks for the partitions (or the helper
// runs for another reason), so that opening the app is not a password prompt.

import { ArchiveRestore, HardDriveDownload, Plug } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import { driveKey } from '../../src-shared/drive-plan.js';
import { useApi } from '../api/api-context.js';
import { EmptyState } from '../components/EmptyState.js';
import { useHistory } from '../images/history-store.js';
import { useNav } from '../nav-store.js';
import { usePlans } from '../plans/plans-store.js';
import { useLiveDrives } from '../store/drives-store.js';
import { DriveCard } from './DriveCard.js';
import { lastBackupWords, lastImageOf } from './last-backup.js';
import { openBackupOf } from './open-backup.js';
import { factsKey, usePartitionFacts } from './partition-facts-store.js';

export function HomePage() {
  const api = useApi();
  const go = useNav((s) => s.go);
  const { drives, showAll, loading, error, setShowAll } = useLiveDrives(api);
  const { plans, load } = usePlans();
  const { images, refresh } = useHistory();
  const { facts, read, keepOnly } = usePartitionFacts();
  /** Read every drive's partitions as it appears: null until the API said whether that
   *  would prompt for a password. */
  const [readDrives, setReadDrives] = useState<boolean | null>(null);
  useEffect(() => {
    // Without the plans the cards just lack "Back up now"; the plug-in watch loads them again.
    void load(api).catch(() => {});
    void refresh(api);
    // Once the helper runs (for a job, or the person asked here), reading prompts for nothing.
    api.getAccess({}).then(
      (access) => setReadDrives(!access.passwordPrompt),
      () => setReadDrives(true),
    );
  }, [api, load, refresh]);
  useEffect(() => {
    keepOnly(drives);
    if (readDrives) for (const drive of drives) if (drive.size > 0) read(api, drive);
  }, [api, drives, read, keepOnly, readDrives]);
  const now = Date.now();

  return (
    <section className="home" aria-labelledby="home-title">
      <h1 id="home-title" className="visually-hidden">
        Home
      </h1>
      <div className="big-actions">
        <BigAction
          id="home-backup"
          icon={<HardDriveDownload aria-hidden="true" size={40} strokeWidth={1.6} />}
          title="Back up a drive"
          words="A compressed image of a whole drive, checked when it is done."
          onClick={() => go('backup')}
        />
        <BigAction
          id="home-restore"
          icon={<ArchiveRestore aria-hidden="true" size={40} strokeWidth={1.6} />}
          title="Get files or a drive back"
          words="Pick an image: copy files out of it, or put it back on a drive."
          onClick={() => go('images')}
        />
      </div>
      <header className="bar section-bar">
        <h2 id="drives-title">Drives</h2>
        <label>
          <input
            type="checkbox"
            checked={showAll}
            // Not before the setting is known: until then the box may show the opposite of it and
            // flip under the pointer as it arrives.
            disabled={loading}
            onChange={(e) => void setShowAll(api, e.target.checked)}
          />{' '}
          Show all devices
        </label>
      </header>
      {error && <p role="alert">{error}</p>}
      {loading && <p>Looking for drives…</p>}
      {!loading && !error && drives.length === 0 && (
        <EmptyState
          icon={<Plug aria-hidden="true" size={40} strokeWidth={1.6} />}
          title="No drives plugged in"
          words={
            showAll
              ? 'Plug in the drive you want to back up or restore onto: it appears here by itself.'
              : 'Plug in the drive you want to back up or restore onto (a USB stick, an external disk, an SD card): it appears here by itself. Virtual disks show with “Show all devices”.'
          }
        />
      )}
      <ul className="drives card-grid" aria-label="Drives">
        {drives.map((drive) => (
          <DriveCard
            key={drive.path}
            drive={drive}
            facts={facts[factsKey(drive)]}
            lastBackup={lastBackupWords(lastImageOf(drive.identity, images), now)}
            plan={plans[driveKey(drive.identity)] ?? null}
            onBackUp={() => void openBackupOf(api, drive.path)}
            onReadPartitions={readDrives === false ? () => setReadDrives(true) : null}
          />
        ))}
      </ul>
    </section>
  );
}

function BigAction(props: {
  id: string;
  icon: ReactNode;
  title: string;
  words: string;
  onClick(): void;
}) {
  return (
    <button
      type="button"
      className="big-action"
      aria-labelledby={`${props.id}-title`}
      aria-describedby={`${props.id}-words`}
      onClick={props.onClick}
    >
      {props.icon}
      <span className="big-action-title" id={`${props.id}-title`}>
        {props.title}
      </span>
      <span className="big-action-words" id={`${props.id}-words`}>
        {props.words}
      </span>
    </button>
  );
}
