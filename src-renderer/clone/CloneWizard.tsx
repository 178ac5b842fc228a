// The clone wizard: the drive to copy → the drive to copy onto (only safe drives can be
// chosen, never the one being copied; the others say why not) → where the partitions go (the
// old and new layouts side by side; which partition grows) → confirm by typing the target's
// name → live view → read-back → done. Rules live in clone-draft.ts, calls in clone-store.ts.

import { useApi } from '../api/api-context.js';
import { DriveLabel } from '../components/DriveLabel.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { WizardFrame } from '../components/WizardFrame.js';
import { JobScreen } from '../jobs/JobScreen.js';
import { useDrives, useLiveDrives } from '../store/drives-store.js';
import { problemFromInfo } from '../words/error-words.js';
import { formatBytes } from '../../src-shared/units.js';
import type { ApiDrive } from '../../src-shared/api.js';
import type { GrowChoice } from '../../src-shared/protocol/plans.js';
import {
  CLONE_STEPS,
  CLONE_STEP_TITLES,
  cloneParams,
  currentPlan,
  growablePartitions,
  layoutBars,
  layoutSentences,
  sourceWhyNot,
  stepProblem,
  targetIsLarger,
  targetWhyNot,
  type Segment,
} from './clone-draft.js';
import { useCloneWizard } from './clone-store.js';

export function CloneWizard() {
  const api = useApi();
  const wizard = useCloneWizard();

  if (wizard.jobId) {
    return (
      <JobScreen
        jobId={wizard.jobId}
        onCancel={() => void wizard.cancel(api)}
        leave={{ label: 'Done', onClick: wizard.reset }}
      />
    );
  }

  const { draft } = wizard;
  return (
    <WizardFrame
      label="Clone a drive"
      steps={CLONE_STEPS}
      titles={CLONE_STEP_TITLES}
      step={draft.step}
      blocked={stepProblem(draft)}
      onBack={wizard.back}
      onNext={wizard.next}
      finish={
        <button
          type="button"
          className="primary danger"
          disabled={cloneParams(draft) === null}
          onClick={() => void wizard.start(api)}
        >
          Erase and clone
        </button>
      }
    >
      <ProblemNote problem={wizard.problem} />
      {draft.step === 'source' && <SourceStep />}
      {draft.step === 'target' && <TargetStep />}
      {draft.step === 'layout' && <LayoutStep />}
      {draft.step === 'confirm' && <ConfirmStep />}
    </WizardFrame>
  );
}

/** A list of drives as radio buttons; a drive that cannot be chosen says why. */
function DriveChoices(props: {
  label: string;
  name: string;
  drives: ApiDrive[];
  chosen: string | null;
  whyNot(drive: ApiDrive): string | null;
  choose(path: string): void;
}) {
  return (
    <ul className="choices" aria-label={props.label}>
      {props.drives.map((drive) => {
        const id = `${props.name}-${drive.path.replace(/\W+/g, '-')}`;
        const why = props.whyNot(drive);
        return (
          <li key={drive.path} className={why ? 'blocked' : ''}>
            <input
              id={id}
              type="radio"
              name={props.name}
              disabled={why !== null}
              checked={props.chosen === drive.path}
              onChange={() => props.choose(drive.path)}
              aria-describedby={why ? `${id}-why` : undefined}
            />
            <label htmlFor={id}>
              <DriveLabel drive={drive} />
            </label>
            {why && (
              <span id={`${id}-why`} className="why">
                {why}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function ShowAllDevices({ paths = [] }: { paths?: string[] }) {
  const api = useApi();
  const { showAll, loading, setShowAll } = useDrives();
  return (
    <label className="choice">
      <input
        type="checkbox"
        checked={showAll}
        // Not before the setting is known: until then the box may show the opposite of it and
        // flip under the pointer as it arrives.
        disabled={loading}
        onChange={(e) => void setShowAll(api, e.target.checked, paths)}
      />
      Show all devices (virtual disks too)
    </label>
  );
}

function SourceStep() {
  const api = useApi();
  const { draft, chooseSource } = useCloneWizard();
  const { drives } = useLiveDrives(api);
  return (
    <>
      <fieldset>
        <legend>Which drive do you want to copy?</legend>
        <DriveChoices
          label="Drives to copy"
          name="clone-source"
          drives={drives}
          chosen={draft.source}
          whyNot={sourceWhyNot}
          choose={chooseSource}
        />
      </fieldset>
      <ShowAllDevices />
      <p className="muted">
        The drive is only read. What its filesystems use is copied straight onto the other drive,
        with no image in between.
      </p>
    </>
  );
}

function TargetStep() {
  const api = useApi();
  const { draft, chooseTarget } = useCloneWizard();
  const { drives } = useLiveDrives(api);
  const plan = currentPlan(draft);
  return (
    <>
      <fieldset>
        <legend>Copy onto which drive?</legend>
        <DriveChoices
          label="Target drives"
          name="clone-target"
          drives={drives}
          chosen={draft.target}
          whyNot={(drive) => targetWhyNot(drive, draft.source)}
          choose={(path) => void chooseTarget(api, path)}
        />
      </fieldset>
      <ShowAllDevices />
      {plan && (
        <div className="plan">
          <p>
            Will erase: <strong>{plan.erases}</strong>
          </p>
          {plan.refusals.map((r) => (
            <ProblemNote key={r.code} problem={problemFromInfo(r)} />
          ))}
        </div>
      )}
    </>
  );
}

const CHANGE_WORDS: Record<Segment['change'], string> = {
  stays: 'stays',
  grows: 'grows',
  moves: 'moves',
};

/** One drive as a bar: its partitions placed along it, on the scale both bars share. */
function LayoutBar(props: { label: string; width: number; size: number; segments: Segment[] }) {
  return (
    <figure className="layout-bar">
      <figcaption>
        {props.label}, {formatBytes(props.size)}
      </figcaption>
      <div className="layout-track">
        <div className="layout-drive" style={{ width: `${props.width * 100}%` }} />
        <ul aria-label={`Partitions: ${props.label}`}>
          {props.segments.map((s) => (
            <li
              key={s.index}
              className={`layout-part ${s.change}`}
              style={{ left: `${s.left * 100}%`, width: `max(2px, ${s.width * 100}%)` }}
              aria-label={`Partition ${s.index}${s.filesystem ? `, ${s.filesystem}` : ''}, ${formatBytes(s.size)}${s.change === 'stays' ? '' : `, ${CHANGE_WORDS[s.change]}`}`}
              title={`${s.index} ${s.filesystem ?? ''} ${formatBytes(s.size)}`}
            >
              {s.index}
              {s.filesystem ? ` ${s.filesystem}` : ''}
            </li>
          ))}
        </ul>
      </div>
    </figure>
  );
}

function LayoutStep() {
  const api = useApi();
  const { draft, chooseGrow } = useCloneWizard();
  const plan = currentPlan(draft);
  if (!plan) return <p>Working out where the partitions go…</p>;
  const bars = layoutBars(plan);
  const growable = growablePartitions(plan);
  const options: Array<[GrowChoice, string]> = [
    ['largest', 'The largest data partition'],
    ...growable.map((p): [GrowChoice, string] => [
      p.index,
      `Partition ${p.index} (${p.filesystem})`,
    ]),
    ['none', 'None: every partition stays as it is'],
  ];
  return (
    <>
      <div className="layout-bars">
        <LayoutBar
          label={`Now on ${plan.source.path}`}
          width={bars.sourceWidth}
          size={plan.source.size}
          segments={bars.before}
        />
        <LayoutBar
          label={`After the clone on ${plan.target.path}`}
          width={bars.targetWidth}
          size={plan.target.size ?? plan.source.size}
          segments={bars.after}
        />
      </div>
      <ul className="layout-words" aria-label="What changes">
        {layoutSentences(plan).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {targetIsLarger(plan) && growable.length > 0 && (
        <fieldset>
          <legend>Which partition grows into the extra space?</legend>
          <ul className="choices" aria-label="Partition that grows">
            {options.map(([choice, words]) => (
              <li key={String(choice)}>
                <label>
                  <input
                    type="radio"
                    name="clone-grow"
                    checked={draft.grow === choice}
                    onChange={() => void chooseGrow(api, choice)}
                  />
                  {words}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {plan.refusals.map((r) => (
        <ProblemNote key={r.code} problem={problemFromInfo(r)} />
      ))}
    </>
  );
}

function ConfirmStep() {
  const { draft, setTypedName, setNewIds, setReadBack } = useCloneWizard();
  const { drives } = useDrives();
  const plan = currentPlan(draft)!;
  const drive = drives.find((d) => d.path === draft.target);
  const name = plan.target.name;
  return (
    <>
      <p className="erase-warning" role="alert">
        {plan.source.path} is copied onto <strong>{drive?.description || draft.target}</strong> (
        {draft.target}
        {drive ? `, ${formatBytes(drive.size)}` : ''}). This erases {plan.erases}.
      </p>
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
      {plan.source.partitionTable && (
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.newIds}
            onChange={(e) => setNewIds(e.target.checked)}
          />
          Give the copy its own disk and partition identifiers, so both drives can be attached at
          once
        </label>
      )}
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
