// The restore wizard: image → what is in it (verify now) → target drive (only safe drives
// can be chosen; the others say why not) → confirm by typing the drive's name → live view →
// read-back → done. Rules live in restore-draft.ts, calls in restore-store.ts.

import { useEffect, useState } from 'react';
import { formatBytes } from '../../src-shared/units.js';
import { useApi } from '../api/api-context.js';
import { DriveLabel } from '../components/DriveLabel.js';
import { PartitionTable } from '../components/PartitionTable.js';
import { PathPicker } from '../components/PathPicker.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { nameOf } from '../words/drive-words.js';
import { problemFromInfo, problemOf } from '../words/error-words.js';
import { SideSummary } from '../components/SideSummary.js';
import { WizardFrame } from '../components/WizardFrame.js';
import { useBrowse } from '../browse/browse-store.js';
import { useHistory } from '../images/history-store.js';
import { useNav } from '../nav-store.js';
import { JobLiveView } from '../jobs/JobLiveView.js';
import { JobOutcomeNote } from '../jobs/JobOutcomeNote.js';
import { JobScreen } from '../jobs/JobScreen.js';
import { useJobs } from '../jobs/jobs-store.js';
import { cautionWords } from '../../src-shared/target-rules.js';
import { useDrives, useLiveDrives } from '../store/drives-store.js';
import {
  RESTORE_STEPS,
  RESTORE_STEP_TITLES,
  confirmName,
  effectiveUnused,
  lastRestoreRate,
  restoreParams,
  stepProblem,
  unusedCost,
  unusedMatters,
  unusedSentence,
  type OfferedUnusedChoice,
} from './restore-draft.js';
import { restoreSideRows } from './restore-side-rows.js';
import { useRestoreWizard } from './restore-store.js';
import { UnlockImage } from '../unlock/UnlockImage.js';
import { withKey } from '../unlock/image-lock.js';
import { mergedRows, needsImageRead } from './image-partition-rows.js';
import type { Partition } from '../../src-shared/manifest.js';

export function RestoreWizard() {
  const api = useApi();
  const wizard = useRestoreWizard();
  const job = useJobs((s) => (wizard.jobId ? s.jobs[wizard.jobId] : undefined));

  if (wizard.jobId) {
    return (
      <JobScreen
        jobId={wizard.jobId}
        onCancel={() => void wizard.cancel(api)}
        leave={{ label: 'Done', onClick: wizard.reset }}
      >
        {job?.outcome.state === 'done' && <EjectButton target={wizard.draft.target} />}
      </JobScreen>
    );
  }

  const { draft } = wizard;
  return (
    <WizardFrame
      label="Restore an image"
      steps={RESTORE_STEPS}
      titles={RESTORE_STEP_TITLES}
      step={draft.step}
      blocked={stepProblem(draft)}
      onBack={wizard.back}
      onNext={wizard.next}
      aside={
        <SideSummary
          title="This restore"
          rows={restoreSideRows(draft, useDrives.getState().drives)}
        />
      }
      finish={
        <button
          type="button"
          className="primary danger"
          disabled={restoreParams(draft) === null}
          onClick={() => void wizard.start(api)}
        >
          Erase and restore
        </button>
      }
    >
      <ProblemNote problem={wizard.problem} />
      {draft.step === 'image' && <ImageStep />}
      {draft.step === 'contents' && <ContentsStep />}
      {draft.step === 'target' && <TargetStep />}
      {draft.step === 'confirm' && <ConfirmStep />}
    </WizardFrame>
  );
}

/** After a restore onto a drive: eject it so it can be unplugged. */
function EjectButton({ target }: { target: string | null }) {
  const api = useApi();
  const { drives } = useDrives();
  const [said, setSaid] = useState<string | null>(null);
  if (!target || !drives.some((d) => d.path === target)) return null;
  return (
    <p className="eject">
      <button
        type="button"
        onClick={() =>
          api.ejectDrive({ path: target }).then(
            (r) => setSaid(r.message),
            (e: unknown) => setSaid(problemOf(e).message),
          )
        }
      >
        Eject {nameOf(target, drives)}
      </button>{' '}
      <span role="status">{said}</span>
    </p>
  );
}

function ImageStep() {
  const api = useApi();
  const { draft, chooseImage, unlock } = useRestoreWizard();
  const { entries, refresh } = useHistory();
  useEffect(() => void refresh(api), [api, refresh]);
  const [typed, setTyped] = useState(draft.image);
  useEffect(() => setTyped(draft.image), [draft.image]);
  // A typed path is opened once the user pauses, not at every key.
  useEffect(() => {
    if (typed === draft.image || !typed.startsWith('/')) return;
    const timer = setTimeout(() => void chooseImage(api, typed), 500);
    return () => clearTimeout(timer);
  }, [api, chooseImage, typed, draft.image]);
  const made = entries.filter((e) => e.kind === 'backup' && e.outcome === 'done' && e.destination);
  return (
    <>
      <PathPicker label="Image file" pick="file" value={typed} onChange={setTyped} />
      <p className="muted">
        Spillway images, and plain .img, .img.gz, .img.xz and .img.zst files made by other tools.
      </p>
      {made.length > 0 && (
        <fieldset>
          <legend>Or one of the images made here</legend>
          <ul className="choices">
            {[...made].reverse().map((entry) => (
              <li key={entry.jobId}>
                <label>
                  <input
                    type="radio"
                    name="history-image"
                    checked={draft.image === entry.destination}
                    onChange={() => void chooseImage(api, entry.destination!)}
                  />
                  {entry.destination}{' '}
                  <span className="muted">
                    of {entry.source}, {new Date(entry.endedAt).toLocaleString()}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {draft.unlocking && (
        <UnlockImage
          image={draft.image}
          {...draft.unlocking}
          onUnlock={(key) => void unlock(api, key)}
        />
      )}
      {draft.info && (
        <p>
          {draft.info.encrypted && 'Encrypted '}
          {draft.info.codec} image, {formatBytes(draft.info.fileSize)}
          {draft.info.payloadSize !== null &&
            ` for a drive of ${formatBytes(draft.info.payloadSize)}`}
          .
        </p>
      )}
    </>
  );
}

const CHECK_WORDS = {
  'frames-and-stream-hash': 'every frame and the whole drive’s checksum can be checked',
  'codec-checksums': 'made by another tool: only the compressor’s own checksums can be checked',
  none: 'a plain image: there is nothing to check it against',
} as const;

function ContentsStep() {
  const api = useApi();
  const { draft, verifyJobId, verifyNow, verified } = useRestoreWizard();
  const verifyJob = useJobs((s) => (verifyJobId ? s.jobs[verifyJobId] : undefined));
  const info = draft.info!;
  const manifest = info.manifest;
  // What the manifest does not say of the partitions, a read of the image may (not of a
  // stream: it has no index to read a partition's first bytes from).
  const [read, setRead] = useState<{ path: string; rows: Partition[] } | null>(null);
  useEffect(() => {
    if (info.layout === 'stream' || !needsImageRead(manifest)) return;
    let live = true;
    api.listPartitions({ image: info.path, ...withKey(draft.key) }).then(
      (listing) =>
        live && setRead({ path: info.path, rows: mergedRows(manifest, listing.partitions) }),
      () => undefined, // the manifest's rows stay: nothing more could be read
    );
    return () => {
      live = false;
    };
  }, [api, info.path, info.layout, manifest, draft.key]);
  const partitions =
    read?.path === info.path ? read.rows : (manifest?.partitionTable?.partitions ?? []);
  useEffect(() => {
    const outcome = verifyJob?.outcome;
    if (outcome?.state === 'done' && outcome.result.kind === 'verify') verified(outcome.result.ok);
  }, [verifyJob?.outcome, verified]);
  const rows: Array<[string, string]> = [
    ['Image', info.path],
    ['Format', `${info.codec}, ${formatBytes(info.fileSize)}`],
  ];
  if (manifest) {
    rows.push(
      [
        'Backed up from',
        `${manifest.source.path}${manifest.source.model ? ` (${manifest.source.model})` : ''}`,
      ],
      ['Made', new Date(manifest.createdAt).toLocaleString()],
      ['Drive size', formatBytes(manifest.size)],
      ['Mode', manifest.mode === 'used' ? 'used blocks' : 'every byte'],
    );
  } else if (info.payloadSize !== null) {
    rows.push(['Drive size', formatBytes(info.payloadSize)]);
  }
  rows.push(['Checks', CHECK_WORDS[info.checkable]]);
  rows.push([
    'Verified',
    draft.verified === true ? 'yes, intact' : draft.verified === false ? 'DAMAGED' : 'not yet',
  ]);
  return (
    <>
      <dl className="summary" aria-label="Image details">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {partitions.length > 0 && (
        <PartitionTable label="Partitions in the image" partitions={partitions} />
      )}
      <p className="inline-actions">
        {info.checkable !== 'none' && !verifyJobId && (
          <button type="button" onClick={() => void verifyNow(api)}>
            Verify now
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            void useBrowse.getState().openImage(api, info.path, 'restore', draft.key);
            useNav.getState().go('browse');
          }}
        >
          Browse files
        </button>{' '}
        <span className="muted">to take some files out instead of restoring the whole drive</span>
      </p>
      {verifyJobId && <JobLiveView jobId={verifyJobId} />}
      {verifyJob && <JobOutcomeNote view={verifyJob} />}
    </>
  );
}

function TargetStep() {
  const api = useApi();
  const { draft, chooseTarget } = useRestoreWizard();
  // Drives holding the image are flagged by the API (paths): restoring onto them would
  // destroy the image mid-way.
  const { drives, showAll, loading, setShowAll } = useLiveDrives(api, [draft.image]);
  const plan = draft.plan?.target.path === draft.target ? draft.plan : null;
  const [file, setFile] = useState(() =>
    draft.target && !drives.some((d) => d.path === draft.target) ? draft.target : '',
  );
  // A typed path is planned once the user pauses, not at every key.
  useEffect(() => {
    if (!file.startsWith('/') || file === draft.target) return;
    const timer = setTimeout(() => void chooseTarget(api, file), 500);
    return () => clearTimeout(timer);
  }, [api, chooseTarget, file, draft.target]);
  return (
    <>
      <fieldset>
        <legend>Restore onto which drive?</legend>
        <ul className="choices" aria-label="Target drives">
          {drives.map((drive) => {
            const id = `target-${drive.path.replace(/\W+/g, '-')}`;
            return (
              <li key={drive.path} className={drive.canRestoreTo ? '' : 'blocked'}>
                <input
                  id={id}
                  type="radio"
                  name="restore-target"
                  disabled={!drive.canRestoreTo}
                  checked={draft.target === drive.path}
                  onChange={() => void chooseTarget(api, drive.path)}
                  aria-describedby={drive.canRestoreTo ? undefined : `${id}-why`}
                />
                <label htmlFor={id}>
                  <DriveLabel drive={drive} />
                </label>
                {!drive.canRestoreTo && (
                  <span id={`${id}-why`} className="why">
                    Cannot be used: {drive.cautions.map(cautionWords).join('; ')}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </fieldset>
      <label className="choice">
        <input
          type="checkbox"
          checked={showAll}
          // Not before the setting is known: until then the box may show the opposite of it and
          // flip under the pointer as it arrives.
          disabled={loading}
          onChange={(e) => void setShowAll(api, e.target.checked, [draft.image])}
        />
        Show all devices (virtual disks too)
      </label>
      <PathPicker
        label="Or into an image file (created or replaced)"
        pick="file"
        value={file}
        onChange={setFile}
      />
      {plan && (
        <div className="plan">
          <p>
            Will erase: <strong>{plan.erases}</strong>
          </p>
          {plan.shrinkTo !== null && (
            <p className="muted">
              The drive is a little smaller than the image; everything the image holds fits (
              {formatBytes(plan.shrinkTo)}), and the partition table will be adjusted.
            </p>
          )}
          {plan.refusals.map((r) => (
            <ProblemNote key={r.code} problem={problemFromInfo(r)} />
          ))}
        </div>
      )}
    </>
  );
}

const UNUSED_OPTIONS: Array<[OfferedUnusedChoice, string]> = [
  ['erase', 'Erase it, so the old data cannot be read (recommended)'],
  ['zero', 'Write zeros over it'],
  ['keep', 'Leave it as it is'],
];

function ConfirmStep() {
  const api = useApi();
  const { draft, setTypedName, setReadBack, setUnused } = useRestoreWizard();
  const { drives } = useDrives();
  const { entries, refresh } = useHistory();
  useEffect(() => void refresh(api), [api, refresh]);
  const name = confirmName(draft)!;
  const drive = drives.find((d) => d.path === draft.target);
  const unused = draft.plan!.unused;
  const rate = lastRestoreRate(entries);
  const chosen = effectiveUnused(draft.unused);
  const fate = unusedSentence(unused, draft.unused);
  return (
    <>
      <p className="erase-warning" role="alert">
        The image replaces what is on <strong>{drive?.description || draft.target}</strong> (
        {draft.target}
        {drive ? `, ${formatBytes(drive.size)}` : ''}).{fate ? ` ${fate}` : ''}
      </p>
      {unusedMatters(unused) && (
        <fieldset>
          <legend>
            {formatBytes(unused.bytes)} of the drive is not used by any filesystem of the image. Its
            old data there:
          </legend>
          <ul className="choices" aria-label="Space not used by any filesystem">
            {UNUSED_OPTIONS.map(([choice, words]) => (
              <li key={choice}>
                <label>
                  <input
                    type="radio"
                    name="restore-unused"
                    checked={chosen === choice}
                    onChange={() => setUnused(choice)}
                  />
                  {words} <span className="muted">({unusedCost(unused, choice, rate)})</span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      <div className="field">
        <label htmlFor="confirm-name">
          Type <strong>{name}</strong> to confirm
        </label>
        <input
          id="confirm-name"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={draft.typedName}
          onChange={(e) => setTypedName(e.target.value)}
        />
      </div>
      <label className="choice">
        <input
          type="checkbox"
          checked={draft.readBack}
          onChange={(e) => setReadBack(e.target.checked)}
        />
        Read the drive back afterwards and compare (recommended)
      </label>
    </>
  );
}
