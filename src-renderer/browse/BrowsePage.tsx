// Browse files: one image's partitions → its folder tree, with sizes and dates (each folder
// read when opened) → tick files and folders → "Restore to…" a folder, with its free space
// checked first, live progress, cancel, and where the files are at the end. A name search
// per partition lists matches that can be ticked the same way. Calls live in browse-store.ts.

import { ChevronDown, ChevronRight, FileText, Folder, Link2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { ImageEntry, ImagePartition } from '../../src-shared/api.js';
import { formatBytes } from '../../src-shared/units.js';
import { useApi, useTransport } from '../api/api-context.js';
import { PathPicker } from '../components/PathPicker.js';
import { ProblemNote } from '../components/ProblemNote.js';
import { JobScreen } from '../jobs/JobScreen.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useNav } from '../nav-store.js';
import { problemOf, type Problem } from '../words/error-words.js';
import {
  childPath,
  coveredByFolder,
  entryKey,
  selectionWords,
  summarize,
  type EntryKind,
} from './browse-selection.js';
import { useBrowse } from './browse-store.js';
import { UnlockImage } from '../unlock/UnlockImage.js';

/** Entries drawn at first in one folder; more on request (a folder may hold 100 000). */
const SHOWN_AT_FIRST = 300;

export function BrowsePage() {
  const { image, from, listing, listingProblem, jobId, unlocking, unlock } = useBrowse();
  const api = useApi();
  const go = useNav((s) => s.go);
  const back = (
    <button type="button" onClick={() => go(from)}>
      {from === 'restore' ? 'Back to the restore' : 'Back to Images'}
    </button>
  );
  if (!image) {
    return (
      <section aria-labelledby="browse-title">
        <h1 id="browse-title">Browse files</h1>
        <p>Choose an image in Images, then “Browse files”.</p>
        {back}
      </section>
    );
  }
  return (
    <section aria-labelledby="browse-title" className="browse">
      <header className="bar">
        <h1 id="browse-title">Browse files</h1>
        {back}
      </header>
      <p className="path">{image}</p>
      <ProblemNote problem={listingProblem} />
      {unlocking && (
        <UnlockImage image={image} {...unlocking} onUnlock={(key) => void unlock(api, key)} />
      )}
      {!listing && !listingProblem && !unlocking && <p aria-live="polite">Opening the image…</p>}
      {listing && jobId && <CopyJob jobId={jobId} />}
      {listing && !jobId && (
        <>
          <MountImage />
          <PartitionChoice partitions={listing.partitions} problem={listing.problem} />
          <PartitionView />
          <RestoreToFolder />
        </>
      )}
    </section>
  );
}

/**
 * The image's partitions mounted read-only, for any program to open. The desktop app opens
 * the folder in the file manager; in a browser the server cannot open a window on the
 * viewer's machine, so the screen says where the partitions are.
 */
function MountImage() {
  const api = useApi();
  const desktop = useTransport() === 'electron';
  const { mount, mountProblem, mountImage, openMounted, unmountImage } = useBrowse();
  const busy = mount.state === 'mounting' || mount.state === 'unmounting';
  return (
    <div className="mount" aria-label="Mount">
      {(mount.state === 'none' || mount.state === 'mounting') && (
        <p>
          <button type="button" disabled={busy} onClick={() => void mountImage(api, desktop)}>
            {desktop ? 'Open in file manager' : 'Mount the partitions'}
          </button>
          {mount.state === 'mounting' && <span aria-live="polite"> Mounting…</span>}
          {mount.state === 'none' && mount.said && <span role="status"> {mount.said}</span>}
        </p>
      )}
      {(mount.state === 'mounted' || mount.state === 'unmounting') && (
        <>
          <p role="status">
            Mounted read-only at <strong className="path">{mount.mount.folder}</strong>
          </p>
          <ul aria-label="Mounted partitions">
            {mount.mount.partitions.map((p) => (
              <li key={p.index}>
                Partition {p.index}
                {p.filesystem ? ` (${p.filesystem})` : ''}: <span className="path">{p.folder}</span>
              </li>
            ))}
            {mount.mount.skipped.map((p) => (
              <li key={p.index}>
                Partition {p.index}
                {p.filesystem ? ` (${p.filesystem})` : ''} is not mounted: {p.reason}.
              </li>
            ))}
          </ul>
          <p>
            {desktop && (
              <button type="button" disabled={busy} onClick={() => void openMounted(api)}>
                Open in file manager
              </button>
            )}{' '}
            <button type="button" disabled={busy} onClick={() => void unmountImage(api)}>
              Unmount
            </button>
            {mount.state === 'unmounting' && <span aria-live="polite"> Unmounting…</span>}
          </p>
        </>
      )}
      <ProblemNote problem={mountProblem} />
    </div>
  );
}

function partitionWords(p: ImagePartition): string {
  const what = [p.filesystem ?? 'unknown filesystem', p.label ? `“${p.label}”` : null]
    .filter(Boolean)
    .join(' ');
  const used = p.usedBytes !== null ? `, ${formatBytes(p.usedBytes)} used` : '';
  return `Partition ${p.index}: ${what}, ${formatBytes(p.size)}${used}`;
}

function PartitionChoice({
  partitions,
  problem,
}: {
  partitions: ImagePartition[];
  problem: string | null;
}) {
  const api = useApi();
  const { partition, choosePartition } = useBrowse();
  if (partitions.length === 0) {
    return <ProblemNote problem={{ message: problem ?? 'No partition was found.', hint: null }} />;
  }
  return (
    <fieldset>
      <legend>Partitions</legend>
      <ul className="choices" aria-label="Partitions">
        {partitions.map((p) => {
          const id = `browse-partition-${p.index}`;
          return (
            <li key={p.index} className={p.browsable ? '' : 'blocked'}>
              <input
                id={id}
                type="radio"
                name="browse-partition"
                disabled={!p.browsable}
                checked={partition === p.index}
                onChange={() => void choosePartition(api, p.index)}
                aria-describedby={p.browsable ? undefined : `${id}-why`}
              />
              <label htmlFor={id}>{partitionWords(p)}</label>
              {!p.browsable && (
                <span id={`${id}-why`} className="why">
                  Its files cannot be read: {p.problem ?? 'Spillway does not read this filesystem'}.
                </span>
              )}
              {p.browsable && p.notes.length > 0 && partition === p.index && (
                <span className="why">{p.notes.join(' ')}</span>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

function PartitionView() {
  const { partition, search } = useBrowse();
  if (partition === null) return null;
  return (
    <div className="partition-view">
      <SearchBox partition={partition} />
      {search && search.partition === partition ? (
        <SearchResults />
      ) : (
        <FolderEntries partition={partition} path="/" name={`partition ${partition}`} />
      )}
    </div>
  );
}

function SearchBox({ partition }: { partition: number }) {
  const api = useApi();
  const { find, clearSearch, search } = useBrowse();
  const [typed, setTyped] = useState(search?.typed ?? '');
  useEffect(() => setTyped(search?.typed ?? ''), [partition, search?.typed]);
  const id = `browse-search-${partition}`;
  return (
    <form
      className="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        void find(api, typed);
      }}
    >
      <label htmlFor={id}>Find by name in partition {partition}</label>
      <div className="row">
        <input
          id={id}
          type="text"
          value={typed}
          spellCheck={false}
          placeholder="letter, *.jpg"
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit" disabled={typed.trim() === ''}>
          Find
        </button>
        {search && (
          <button type="button" onClick={clearSearch}>
            Show folders
          </button>
        )}
      </div>
    </form>
  );
}

function SearchResults() {
  const search = useBrowse((s) => s.search)!;
  if (search.busy) return <p aria-live="polite">Searching…</p>;
  if (search.problem) return <ProblemNote problem={search.problem} />;
  const result = search.result!;
  return (
    <div aria-live="polite">
      <p>
        {result.matches.length === 0
          ? `Nothing in partition ${result.partition} is named like “${search.typed}”.`
          : `${result.matches.length}${result.truncated ? '+' : ''} found${
              result.truncated ? ' (the first ones shown: search for a longer name)' : ''
            }.`}
      </p>
      {result.problems.length > 0 && (
        <p className="warning">
          {result.problems.length} folder{result.problems.length === 1 ? '' : 's'} could not be
          searched (damaged): {result.problems.map((p) => p.path).join(', ')}.
        </p>
      )}
      <ul className="tree" aria-label="Found">
        {result.matches.map((m) => (
          <EntryRow
            key={m.path}
            partition={result.partition}
            path={m.path}
            name={m.path}
            kind={m.kind}
            size={m.size}
            mtimeMs={m.mtimeMs}
            target={null}
            expandable={false}
          />
        ))}
      </ul>
    </div>
  );
}

const byKindThenName = (a: ImageEntry, b: ImageEntry) =>
  Number(b.kind === 'folder') - Number(a.kind === 'folder') || a.name.localeCompare(b.name);

function FolderEntries({
  partition,
  path,
  name,
}: {
  partition: number;
  path: string;
  name: string;
}) {
  const load = useBrowse((s) => s.folders[entryKey(partition, path)]);
  const [shown, setShown] = useState(SHOWN_AT_FIRST);
  if (!load || load.state === 'loading') return <p className="muted">Opening {name}…</p>;
  if (load.state === 'problem') return <ProblemNote problem={load.problem} />;
  const { folder } = load;
  const entries = [...folder.entries].sort(byKindThenName);
  if (entries.length === 0) return <p className="muted indent">Empty folder.</p>;
  return (
    <>
      <ul className="tree" aria-label={`In ${name}`}>
        {entries.slice(0, shown).map((e) => (
          <EntryRow
            key={e.name}
            partition={partition}
            path={childPath(path, e.name)}
            name={e.name}
            kind={e.kind}
            size={e.size}
            mtimeMs={e.mtimeMs}
            target={e.target}
            expandable={e.kind === 'folder'}
          />
        ))}
      </ul>
      {entries.length > shown && (
        <button type="button" className="link" onClick={() => setShown(shown * 4)}>
          Show {Math.min(entries.length - shown, shown * 3)} more of {entries.length}
        </button>
      )}
      {folder.truncated && (
        <p className="muted">
          This folder holds more than {entries.length} entries; find the others by name.
        </p>
      )}
    </>
  );
}

const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

interface RowProps {
  partition: number;
  path: string;
  name: string;
  kind: EntryKind;
  size: number;
  mtimeMs: number | null;
  target: string | null;
  expandable: boolean;
}

function EntryRow({ partition, path, name, kind, size, mtimeMs, target, expandable }: RowProps) {
  const api = useApi();
  const key = entryKey(partition, path);
  const open = useBrowse((s) => s.open[key] ?? false);
  const ticked = useBrowse((s) => s.selection[key] !== undefined);
  const covered = useBrowse((s) => coveredByFolder(s.selection, partition, path));
  const { tick, toggleFolder } = useBrowse.getState();
  const id = `entry-${key.replace(/[^\w]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
  return (
    <li>
      <div className={`entry-row ${kind}`}>
        {expandable ? (
          <button
            type="button"
            className="twisty"
            aria-expanded={open}
            aria-label={`Show what is in ${name}`}
            onClick={() => void toggleFolder(api, partition, path)}
          >
            {open ? (
              <ChevronDown aria-hidden="true" size={16} />
            ) : (
              <ChevronRight aria-hidden="true" size={16} />
            )}
          </button>
        ) : (
          <span className="twisty" />
        )}
        <input
          id={id}
          type="checkbox"
          checked={ticked || covered}
          disabled={covered}
          onChange={() => tick({ partition, path, kind, size })}
        />
        <label htmlFor={id} className="entry-name">
          <EntryIcon kind={kind} />
          {name}
          {kind === 'folder' && '/'}
          {target !== null && <span className="muted"> → {target}</span>}
        </label>
        <span className="entry-size">{kind === 'file' ? formatBytes(size) : ''}</span>
        <span className="entry-date">{mtimeMs === null ? '' : DATE_FORMAT.format(mtimeMs)}</span>
      </div>
      {expandable && open && <FolderEntries partition={partition} path={path} name={name} />}
    </li>
  );
}

function RestoreToFolder() {
  const api = useApi();
  const { selection, destination, room, problem, setDestination, start, clearTicks } = useBrowse();
  const [typed, setTyped] = useState(destination);
  // A typed folder is checked once the user pauses, not at every key.
  useEffect(() => {
    if (typed === destination) return;
    const timer = setTimeout(() => void setDestination(api, typed), 400);
    return () => clearTimeout(timer);
  }, [api, setDestination, typed, destination]);
  const summary = summarize(selection);
  const nothing = summary.files + summary.folders === 0;
  const short =
    room?.state === 'ready' && summary.fileBytes > room.free
      ? {
          message: `Not enough room: the files chosen need ${formatBytes(summary.fileBytes)} and ${room.folder} has ${formatBytes(room.free)} free.`,
          hint: 'Choose a folder on a disk with more free space, or fewer files.',
        }
      : null;
  const blocked: Problem | null = room?.state === 'problem' ? room.problem : short;
  const ready = !nothing && room?.state === 'ready' && blocked === null && typed === destination;
  return (
    <section className="restore-files" aria-labelledby="restore-files-title">
      <h2 id="restore-files-title">Restore to a folder</h2>
      <p aria-live="polite">
        Chosen: {selectionWords(summary)}
        {summary.files > 0 && ` (${formatBytes(summary.fileBytes)}`}
        {summary.files > 0 && summary.folders > 0 && ', plus what the folders hold'}
        {summary.files > 0 && ')'}
        {nothing && ': tick the files and folders to restore.'}
        {!nothing && (
          <>
            {' '}
            <button type="button" className="link" onClick={clearTicks}>
              Untick all
            </button>
          </>
        )}
      </p>
      <PathPicker label="Restore to folder" pick="folder" value={typed} onChange={setTyped} />
      {room?.state === 'checking' && <p className="muted">Checking the folder…</p>}
      {room?.state === 'ready' && (
        <p className="muted">
          {room.makesFolder ? 'The folder will be made. ' : ''}
          {formatBytes(room.free)} free there. Nothing already there is replaced.
        </p>
      )}
      <ProblemNote problem={blocked ?? problem} />
      <button type="button" className="primary" disabled={!ready} onClick={() => void start(api)}>
        Restore {nothing ? '' : selectionWords(summary)} to this folder
      </button>
    </section>
  );
}

function CopyJob({ jobId }: { jobId: string }) {
  const api = useApi();
  const transport = useTransport();
  const { cancel, finishCopy } = useBrowse();
  const job = useJobs((s) => s.jobs[jobId]);
  const [said, setSaid] = useState<Problem | null>(null);
  const outcome = job?.outcome;
  const result =
    outcome?.state === 'done' && outcome.result.kind === 'extract' ? outcome.result : null;
  return (
    <JobScreen
      jobId={jobId}
      onCancel={() => void cancel(api)}
      leave={{ label: 'Back to the files', onClick: finishCopy }}
    >
      {result && (
        <p>
          The files are in <strong className="path">{result.destination}</strong>.{' '}
          {transport === 'electron' && (
            <button
              type="button"
              onClick={() =>
                api
                  .revealInFolder({ path: result.destination })
                  .catch((e: unknown) => setSaid(problemOf(e)))
              }
            >
              Show in folder
            </button>
          )}
        </p>
      )}
      <ProblemNote problem={said} />
    </JobScreen>
  );
}

/** A folder, a link or a file, as the file managers people know draw them. */
function EntryIcon({ kind }: { kind: ImageEntry['kind'] }) {
  const Icon = kind === 'folder' ? Folder : kind === 'symlink' ? Link2 : FileText;
  return <Icon className="entry-icon" aria-hidden="true" size={16} />;
}
