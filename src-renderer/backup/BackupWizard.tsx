// The backup wizard: source → what is read → compression → destination (+ advanced) →
// summary → the live view → verify → done. State and rules live in backup-store.ts and
// backup-draft.ts; this file draws them.

import { useEffect, useState } from 'react';
import { CODEC_LEVELS } from '../../src-shared/codec-facts.js';
import { CODEC_NAMES, type CodecName } from '../../src-shared/manifest.js';
import { formatBytes } from '../../src-shared/units.js';
import { useApi } from '../api/api-context.js';
import { DriveLabel } from '../components/DriveLabel.js';
import { PartitionTable } from '../components/PartitionTable.js';
import { estimateWords } from './estimate-words.js';
import { PathPicker } from '../components/PathPicker.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { SideSummary } from '../components/SideSummary.js';
import { WizardFrame } from '../components/WizardFrame.js';
import { JobLiveView } from '../jobs/JobLiveView.js';
import { JobOutcomeNote } from '../jobs/JobOutcomeNote.js';
import { JobScreen } from '../jobs/JobScreen.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useDrives, useLiveDrives } from '../store/drives-store.js';
import { copiedWholeBecause, readWholeSentence } from '../words/plan-words.js';
import {
  BACKUP_STEPS,
  BACKUP_STEP_TITLES,
  bytesToRead,
  expectedImageBytes,
  encryptable,
  imagePath,
  roomWarning,
  stepProblem,
} from './backup-draft.js';
import { passwordStrength } from './password-strength.js';
import { backupSideRows } from './backup-side-rows.js';
import { useBackupWizard } from './backup-store.js';

export const CODEC_WORDS: Record<CodecName, string> = {
  zstd: 'zstd — fast and small (recommended)',
  gzip: 'gzip — opens anywhere, slower',
  xz: 'xz — smallest, much slower',
  lz4: 'lz4 — fastest, larger',
  none: 'none — an uncompressed .img (free space takes no room)',
};

export function BackupWizard() {
  const api = useApi();
  const wizard = useBackupWizard();
  const { draft } = wizard;
  const job = useJobs((s) => (wizard.jobId ? s.jobs[wizard.jobId] : undefined));
  const verifyJob = useJobs((s) => (wizard.verifyJobId ? s.jobs[wizard.verifyJobId] : undefined));

  // The backup ended well: verify the image (unless the user chose not to).
  useEffect(() => {
    // The store asks once per backup, however often this runs.
    if (job?.outcome.state !== 'done' || !draft.verifyAfter) return;
    if (job.outcome.result.kind === 'backup') void wizard.verify(api, job.outcome.result.image);
  }, [job?.outcome.state, draft.verifyAfter, api, wizard, job]);

  if (wizard.jobId) {
    // Over when the backup failed, or ended and (if asked) its verify ended too.
    const finished =
      job !== undefined &&
      job.outcome.state !== 'running' &&
      (!draft.verifyAfter ||
        job.outcome.state !== 'done' ||
        (verifyJob !== undefined && verifyJob.outcome.state !== 'running'));
    return (
      <JobScreen
        jobId={wizard.jobId}
        onCancel={() => void wizard.cancel(api)}
        leave={{ label: 'New backup', onClick: () => void wizard.again(api), shown: finished }}
      >
        {wizard.verifyJobId && (
          <>
            <JobLiveView jobId={wizard.verifyJobId} onCancel={() => void wizard.cancel(api)} />
            {verifyJob && <JobOutcomeNote view={verifyJob} />}
          </>
        )}
      </JobScreen>
    );
  }

  const blocked = stepProblem(draft);
  // Read, not watched: the names of drives already chosen (the source step watches the list).
  const drives = useDrives.getState().drives;
  return (
    <WizardFrame
      label="Back up a drive"
      steps={BACKUP_STEPS}
      titles={BACKUP_STEP_TITLES}
      step={draft.step}
      blocked={blocked}
      onBack={wizard.back}
      onNext={wizard.next}
      aside={<SideSummary title="This backup" rows={backupSideRows(draft, drives)} />}
      finish={
        <button
          type="button"
          className="primary"
          disabled={blocked !== null}
          onClick={() => void wizard.start(api)}
        >
          Start backup
        </button>
      }
    >
      <ProblemNote problem={wizard.problem} />
      {draft.step === 'source' && <SourceStep />}
      {draft.step === 'read' && <ReadStep />}
      {draft.step === 'compression' && <CompressionStep />}
      {draft.step === 'destination' && <DestinationStep />}
      {draft.step === 'summary' && <SummaryStep />}
    </WizardFrame>
  );
}

function SourceStep() {
  const api = useApi();
  const { draft, chooseSource } = useBackupWizard();
  const { drives, showAll, loading, setShowAll } = useLiveDrives(api);
  const [file, setFile] = useState('');
  // A typed path is looked at once the user pauses, not at every key.
  useEffect(() => {
    if (!file.startsWith('/')) return;
    const timer = setTimeout(() => void chooseSource(api, file), 500);
    return () => clearTimeout(timer);
  }, [api, chooseSource, file]);
  return (
    <fieldset>
      <legend>Which drive do you want to back up?</legend>
      <label className="choice">
        <input
          type="checkbox"
          checked={showAll}
          // Not before the setting is known: until then the box may show the opposite of it and
          // flip under the pointer as it arrives.
          disabled={loading}
          onChange={(e) => void setShowAll(api, e.target.checked)}
        />
        Show all devices (virtual disks too)
      </label>
      <ul className="choices">
        {drives.map((drive) => (
          <li key={drive.path}>
            <label>
              <input
                type="radio"
                name="backup-source"
                checked={draft.source === drive.path}
                // A device of 0 bytes (an unconfigured zram or loop device) holds nothing.
                disabled={drive.size === 0}
                onChange={() => void chooseSource(api, drive.path)}
              />
              <DriveLabel drive={drive} />
              {drive.size === 0 && <span className="muted"> (holds nothing to back up)</span>}
            </label>
          </li>
        ))}
      </ul>
      <PathPicker label="Or an image file" pick="file" value={file} onChange={setFile} />
      {draft.source && !draft.plan && <p>Looking at {draft.source}…</p>}
      {draft.plan && (
        <p>
          {draft.plan.source}: {formatBytes(draft.plan.size)}
          {draft.plan.partitions.length > 0 && `, ${draft.plan.partitions.length} partitions`}.
        </p>
      )}
    </fieldset>
  );
}

function ReadStep() {
  const { draft, setMode } = useBackupWizard();
  const plan = draft.plan!;
  return (
    <>
      <fieldset>
        <legend>How much of the drive to read</legend>
        <label className="choice">
          <input
            type="radio"
            name="mode"
            checked={draft.mode === 'used'}
            onChange={() => setMode('used')}
          />
          Only what the filesystems use (recommended): reads{' '}
          <strong>{formatBytes(plan.bytesToRead)}</strong>
        </label>
        <label className="choice">
          <input
            type="radio"
            name="mode"
            checked={draft.mode === 'raw'}
            onChange={() => setMode('raw')}
          />
          An exact copy of every byte: reads <strong>{formatBytes(plan.size)}</strong>
        </label>
      </fieldset>
      {plan.whole && <p className="muted">{readWholeSentence(plan.whole)}</p>}
      {plan.partitions.length > 0 && (
        <PartitionTable
          label="Partitions"
          partitions={plan.partitions}
          extra={{
            heading: 'Read',
            cell: (p) => (
              <>
                {draft.mode === 'raw' || p.mode === 'raw' ? 'every byte' : 'used blocks'}
                {draft.mode === 'used' && copiedWholeBecause(p) && (
                  <span className="muted"> ({copiedWholeBecause(p)})</span>
                )}
              </>
            ),
          }}
        />
      )}
    </>
  );
}

function CompressionStep() {
  const api = useApi();
  const { draft, sampling, setCodec, setLevel, setAdaptive, sample } = useBackupWizard();
  const levels = CODEC_LEVELS[draft.codec];
  // A quick sample of the drive at the chosen codec and level, once the user pauses.
  useEffect(() => {
    const timer = setTimeout(() => void sample(api), 400);
    return () => clearTimeout(timer);
  }, [api, sample, draft.codec, draft.level]);
  const current =
    draft.sample?.codec === draft.codec && draft.sample.level === draft.level ? draft.sample : null;
  const expected = expectedImageBytes(draft);
  return (
    <>
      <fieldset>
        <legend>Compressor</legend>
        {CODEC_NAMES.map((codec) => (
          <label key={codec} className="choice">
            <input
              type="radio"
              name="codec"
              checked={draft.codec === codec}
              onChange={() => setCodec(codec)}
            />
            {CODEC_WORDS[codec]}
          </label>
        ))}
      </fieldset>
      {levels.min !== levels.max && (
        <div className="level">
          <label htmlFor="level">
            Level {draft.level} ({levels.min} fastest … {levels.max} smallest)
          </label>
          <input
            id="level"
            type="range"
            min={levels.min}
            max={levels.max}
            value={draft.level}
            onChange={(e) => setLevel(Number(e.target.value))}
          />
        </div>
      )}
      <p className="estimate" aria-live="polite">
        {sampling && !current && 'Trying a sample of the drive…'}
        {current && estimateWords(current, expected)}
      </p>
      {draft.codec === 'zstd' && (
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.adaptive}
            onChange={(e) => setAdaptive(e.target.checked)}
          />
          Adaptive: go faster when the destination or the compressor falls behind, stronger when
          there is time
        </label>
      )}
    </>
  );
}

function DestinationStep() {
  const api = useApi();
  const { draft, setFolder, setFileName, setSplit, setAdvanced } = useBackupWizard();
  const check = draft.destination?.folder === draft.folder ? draft.destination : null;
  const warning = roomWarning(draft);
  return (
    <>
      <PathPicker
        label="Folder for the image"
        pick="folder"
        value={draft.folder}
        onChange={(folder) => void setFolder(api, folder)}
      />
      <div className="field">
        <label htmlFor="file-name">File name</label>
        <input
          id="file-name"
          type="text"
          value={draft.fileName}
          spellCheck={false}
          onChange={(e) => setFileName(e.target.value)}
        />
      </div>
      {check?.usable && (
        <p>
          {formatBytes(check.free)} free there; the image needs about{' '}
          {formatBytes(expectedImageBytes(draft) ?? 0)}.
        </p>
      )}
      {warning && (
        <p role="alert" className="warning">
          {warning}
        </p>
      )}
      {check?.usable && check.splitAt !== null && (
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.split}
            onChange={(e) => setSplit(e.target.checked)}
          />
          Split into parts of {formatBytes(check.splitAt)}: this folder is on FAT32, which cannot
          hold files of 4 GiB or more
        </label>
      )}
      <EncryptionFields />
      <details className="advanced">
        <summary>Advanced</summary>
        <PathPicker
          label="Spill folder (when the compressor falls behind)"
          pick="folder"
          value={draft.advanced.spillDir}
          onChange={(spillDir) => setAdvanced({ spillDir })}
        />
        <TextSetting
          id="spill-max"
          label="Spill limit (e.g. 20G; empty: keep 5% of the disk free)"
          value={draft.advanced.spillMax}
          onChange={(spillMax) => setAdvanced({ spillMax })}
        />
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.advanced.spillCompress}
            onChange={(e) => setAdvanced({ spillCompress: e.target.checked })}
          />
          Compress the spill (less disk; the drive is read more slowly on few cores)
        </label>
        <div className="field">
          <label htmlFor="frame-size">Frame size</label>
          <select
            id="frame-size"
            value={draft.advanced.frameSizeMiB}
            onChange={(e) => setAdvanced({ frameSizeMiB: Number(e.target.value) })}
          >
            {[1, 2, 4, 8, 16].map((mib) => (
              <option key={mib} value={mib}>
                {mib} MiB{mib === 4 ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </div>
        <TextSetting
          id="threads"
          label="Threads (empty: one per core)"
          value={draft.advanced.threads}
          onChange={(threads) => setAdvanced({ threads })}
        />
        <TextSetting
          id="write-rate"
          label="Limit write speed (e.g. 50M; empty: no limit)"
          value={draft.advanced.maxWriteRate}
          onChange={(maxWriteRate) => setAdvanced({ maxWriteRate })}
        />
      </details>
    </>
  );
}

/** "Encrypt with a password": typed twice, a strength hint, and the tick that it is stored. */
function EncryptionFields() {
  const { draft, setEncryption } = useBackupWizard();
  const { on, password, again, stored } = draft.encryption;
  const possible = encryptable(draft.codec);
  const hint = password !== '' ? passwordStrength(password) : null;
  return (
    <fieldset className="pw-encryption">
      <label className="choice">
        <input
          type="checkbox"
          checked={on}
          disabled={!possible && !on}
          onChange={(e) => setEncryption({ on: e.target.checked })}
        />
        Encrypt with a password
      </label>
      {!possible && (
        <p className="muted">
          Only zstd and lz4 images can be encrypted (a {draft.codec} image keeps its index in a
          second file beside it).
        </p>
      )}
      {on && (
        <>
          <p className="muted">
            The image becomes an age file ({draft.fileName || 'NAME.img.zst.age'}): Spillway and the
            age tool open it with this password; nobody can without it.
          </p>
          <div className="field">
            <label htmlFor="new-password">Password</label>
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setEncryption({ password: e.target.value })}
              aria-describedby="password-strength"
            />
          </div>
          <p id="password-strength" className={`pw-strength pw-${hint?.strength ?? 'none'}`}>
            {hint?.words}
          </p>
          <div className="field">
            <label htmlFor="new-password-again">The same password again</label>
            <input
              id="new-password-again"
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setEncryption({ again: e.target.value })}
            />
          </div>
          {again !== '' && again !== password && (
            <p role="alert" className="warning">
              The two passwords differ.
            </p>
          )}
          <label className="choice">
            <input
              type="checkbox"
              checked={stored}
              onChange={(e) => setEncryption({ stored: e.target.checked })}
            />
            I have stored this password: without it the image cannot be opened
          </label>
        </>
      )}
    </fieldset>
  );
}

function TextSetting(props: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="text"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

function SummaryStep() {
  const { draft, setVerifyAfter, setRemember, setKeep, setAutoStart } = useBackupWizard();
  const drives = useDrives((s) => s.drives);
  const listed = drives.some((d) => d.path === draft.source);
  const read = bytesToRead(draft);
  const rows: Array<[string, string]> = [
    ['Source', draft.source ?? ''],
    [
      'Reads',
      `${formatBytes(read ?? 0)} (${draft.mode === 'used' ? 'used blocks' : 'every byte'})`,
    ],
    [
      'Compression',
      draft.codec === 'none'
        ? 'none'
        : `${draft.codec} level ${draft.level}${draft.adaptive ? ', adaptive' : ''}`,
    ],
    ['Image', imagePath(draft)],
    ['Expected size', formatBytes(expectedImageBytes(draft) ?? 0)],
  ];
  if (draft.encryption.on) rows.push(['Encryption', 'with a password (age)']);
  if (draft.advanced.maxWriteRate) rows.push(['Write limit', `${draft.advanced.maxWriteRate}/s`]);
  return (
    <>
      <dl className="summary">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {roomWarning(draft) && (
        <p role="alert" className="warning">
          {roomWarning(draft)}
        </p>
      )}
      <label className="choice">
        <input
          type="checkbox"
          checked={draft.verifyAfter}
          onChange={(e) => setVerifyAfter(e.target.checked)}
        />
        Verify the image when the backup is done (you can also verify later from Images)
      </label>
      {listed && draft.encryption.on && (
        <p className="muted">
          Settings of an encrypted backup are not remembered for this drive: the password is never
          stored, so “Back up now” could not encrypt.
        </p>
      )}
      {listed && !draft.encryption.on && (
        <fieldset className="remember">
          <label className="choice">
            <input
              type="checkbox"
              checked={draft.remember}
              onChange={(e) => setRemember(e.target.checked)}
            />
            Remember these settings for this drive (the Drives screen then offers “Back up now”)
          </label>
          {draft.remember && (
            <label>
              Keep the newest{' '}
              <input
                type="number"
                min={1}
                max={1000}
                inputMode="numeric"
                aria-label="Images to keep"
                value={draft.keep}
                onChange={(e) => setKeep(e.target.value)}
              />{' '}
              images of this drive in {draft.folder || 'that folder'}. After “Back up now” makes a
              new one and it verifies, older ones there are deleted. Leave empty to keep them all.
            </label>
          )}
          {draft.remember && (
            <label className="choice">
              <input
                type="checkbox"
                checked={draft.autoStart}
                onChange={(e) => setAutoStart(e.target.checked)}
              />
              When this drive is plugged in while Spillway is open, back it up without asking
            </label>
          )}
        </fieldset>
      )}
    </>
  );
}
