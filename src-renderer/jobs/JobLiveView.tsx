// A running job, live, readable from across the room: one big percent and the time left at
// the top, with what is happening now; below, the figures a user asks about (how much, how
// fast, how long), the pipeline as stages (read → spill → compress → write) with each stage's
// rate and the bottleneck marked, and charts of the rates and of the spill buffer's disk use.
// Compact (inside a drive's card): the headline, the bar and the figures only.

import type { ProgressEvent, Stage } from '../../src-shared/protocol/events.js';
import { formatBytes, formatDuration, formatRate } from '../../src-shared/units.js';
import { headline } from './headline.js';
import { useJobs } from './jobs-store.js';
import { hasLine, liveStatus, type JobView, type LiveStatus } from './job-view.js';
import { LiveChart } from './LiveChart.js';

const STAGE_WORDS: Record<Stage, string> = {
  read: 'reading the source',
  codec: 'compression',
  write: 'writing',
};

export function JobLiveView({
  jobId,
  onCancel,
  compact = false,
}: {
  jobId: string;
  onCancel?: () => void;
  compact?: boolean;
}) {
  const view = useJobs((state) => state.jobs[jobId]);
  if (!view) return <p>Starting…</p>;
  const { progress } = view;
  const status = liveStatus(view);
  const running = status.state === 'running';
  const { percent, timeLeft } = headline(status, progress?.eta ?? null);
  return (
    <section
      className={compact ? 'live compact' : 'live'}
      aria-label={`${view.title}: live view`}
      data-state={status.state}
    >
      <header className="bar">
        <h2>{view.title}</h2>
        {running && onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </header>
      <div className="headline">
        <p className="big-percent">{percent}</p>
        <div className="headline-words">
          {timeLeft && <p className="time-left">{timeLeft}</p>}
          <p className="phase" aria-live="polite">
            {status.line}
          </p>
        </div>
      </div>
      <progress
        aria-label="Progress"
        max={1}
        {...(status.fraction !== null ? { value: status.fraction } : {})}
      />
      {progress && <Figures progress={progress} status={status} />}
      {!compact && progress && view.kind === 'backup' && (
        <Pipeline progress={progress} status={status} />
      )}
      {!compact && <Charts view={view} writes={status.writes} />}
      {view.warnings.length > 0 && (
        <ul className="warnings" aria-label="Warnings">
          {view.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Figures({ progress, status }: { progress: ProgressEvent; status: LiveStatus }) {
  const all: Array<[string, string, string]> = [
    ['bytes-read', 'Read', formatBytes(progress.bytesRead)],
    ['bytes-written', 'Written', formatBytes(status.written)],
    [
      'done',
      'Done',
      progress.streamTotal
        ? `${formatBytes(progress.streamDone)} of ${formatBytes(progress.streamTotal)}`
        : formatBytes(progress.streamDone),
    ],
    ['ratio', 'Ratio', progress.ratio === null ? '—' : `${progress.ratio.toFixed(2)}×`],
    ['elapsed', 'Elapsed', formatDuration(progress.elapsed)],
    ['eta', 'Time left', formatDuration(progress.eta)],
  ];
  // A verify writes nothing and has no ratio to show; an ended job has no time left.
  const figures = all.filter(
    ([id]) =>
      (status.writes || (id !== 'bytes-written' && id !== 'ratio')) &&
      (status.showEta || id !== 'eta'),
  );
  return (
    <dl className="figures">
      {figures.map(([id, name, value]) => (
        <div
          key={id}
          data-figure={id}
          data-value={
            id === 'bytes-read'
              ? progress.bytesRead
              : id === 'bytes-written'
                ? status.written
                : undefined
          }
        >
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Pipeline({ progress, status }: { progress: ProgressEvent; status: LiveStatus }) {
  const spill = progress.spill;
  const stage = (key: Stage | 'spill', name: string, rate: string, detail?: string) => {
    const slowest = key !== 'spill' && status.bottleneck === key;
    return (
      <li className={slowest ? 'stage bottleneck' : 'stage'} aria-label={name}>
        <span className="stage-name">{name}</span>
        <span className="stage-rate">{rate}</span>
        {detail && <span className="stage-detail">{detail}</span>}
        {slowest && <span className="badge">holding the others back</span>}
      </li>
    );
  };
  return (
    <div>
      <ol className="pipeline" aria-label="Pipeline">
        {stage('read', 'Read', formatRate(progress.readRate))}
        {stage(
          'spill',
          'Spill buffer',
          spill ? formatBytes(spill.bytes) : 'off',
          spill
            ? `peak ${formatBytes(spill.peak)}` +
                (spill.free !== null ? ` · ${formatBytes(spill.free)} free` : '')
            : undefined,
        )}
        {stage(
          'codec',
          'Compress',
          formatRate(progress.codecRate),
          progress.level !== null ? `level ${progress.level}` : undefined,
        )}
        {stage(
          'write',
          'Write',
          formatRate(progress.writeRate),
          progress.destinationFree !== null
            ? `${formatBytes(progress.destinationFree)} free`
            : undefined,
        )}
      </ol>
      {status.state === 'running' && (
        <p className="bottleneck-note">
          {status.bottleneck
            ? `Bottleneck: ${STAGE_WORDS[status.bottleneck]}.`
            : 'No stage is holding the others back.'}
        </p>
      )}
    </div>
  );
}

function Charts({ view, writes }: { view: JobView; writes: boolean }) {
  const times = view.points.map((p) => p.t);
  const speed = hasLine(view.points, writes ? ['read', 'write'] : ['read']);
  const spill = view.kind === 'backup' && hasLine(view.points, ['spill']);
  if (!speed && !spill) return null;
  return (
    <div className="charts">
      {speed && (
        <LiveChart
          title={writes ? 'Read and write speed' : 'Read speed'}
          times={times}
          unitSuffix="/s"
          series={[
            { label: 'read', color: '#2f7de1', values: view.points.map((p) => p.read) },
            ...(writes
              ? [{ label: 'write', color: '#e0892f', values: view.points.map((p) => p.write) }]
              : []),
          ]}
        />
      )}
      {spill && (
        <LiveChart
          title="Spill buffer on disk"
          times={times}
          series={[{ label: 'spill', color: '#8a4fd8', values: view.points.map((p) => p.spill) }]}
        />
      )}
    </div>
  );
}
