// The app's own file and folder picker: a browser cannot hand a page real paths, and the
// helper sees the disks as the backup will. A path field the user can also type into, and a
// "Browse…" dialog that walks folders through the API.

import { useEffect, useRef, useState } from 'react';
import type { FolderListing } from '../../src-shared/api.js';
import { formatBytes } from '../../src-shared/units.js';
import { useApi } from '../api/api-context.js';
import { problemOf, type Problem } from '../words/error-words.js';
import { ProblemNote } from './ProblemNote.js';

interface Props {
  label: string;
  value: string;
  onChange(path: string): void;
  /** folder: pick a folder; file: pick a file (images), folders are walked into. */
  pick: 'folder' | 'file';
  /** Where browsing starts when the field is empty. */
  start?: string;
}

export function PathPicker({ label, value, onChange, pick, start = '/' }: Props) {
  const [browsing, setBrowsing] = useState(false);
  const id = `path-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="path-picker">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input
          id={id}
          type="text"
          value={value}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
        />
        <button type="button" onClick={() => setBrowsing(true)}>
          Browse…
        </button>
      </div>
      {browsing && (
        <BrowseDialog
          title={label}
          pick={pick}
          start={pick === 'folder' ? value || start : parentOf(value) || start}
          onPick={(path) => {
            onChange(path);
            setBrowsing(false);
          }}
          onClose={() => setBrowsing(false)}
        />
      )}
    </div>
  );
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut > 0 ? path.slice(0, cut) : '';
}

function BrowseDialog(props: {
  title: string;
  pick: 'folder' | 'file';
  start: string;
  onPick(path: string): void;
  onClose(): void;
}) {
  const api = useApi();
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  // Keyboard users land in the dialog, and Escape leaves it.
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);

  const open = (path: string): void => {
    api.listFolder({ path }).then(
      (result) => {
        setListing(result);
        setProblem(null);
      },
      (error: unknown) => setProblem(problemOf(error)),
    );
  };
  useEffect(() => {
    api.listFolder({ path: props.start }).then(setListing, () => open('/'));
    // Once, from where the field points; later moves go through open().
  }, [api, props.start]);

  const join = (name: string) => (listing!.path === '/' ? `/${name}` : `${listing!.path}/${name}`);

  return (
    <div className="dialog-backdrop">
      <div
        ref={box}
        tabIndex={-1}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        className="dialog"
        onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
      >
        <h2>{props.title}</h2>
        <p className="path">{listing?.path ?? '…'}</p>
        <ProblemNote problem={problem} />
        <ul className="listing" aria-label="Folder contents">
          {listing?.parent && (
            <li>
              <button type="button" onClick={() => open(listing.parent!)}>
                ⬑ Up
              </button>
            </li>
          )}
          {listing?.entries
            .filter((e) => e.kind === 'folder' || (props.pick === 'file' && e.kind === 'file'))
            .map((entry) => (
              <li key={entry.name}>
                <button
                  type="button"
                  onClick={() =>
                    entry.kind === 'folder'
                      ? open(join(entry.name))
                      : props.onPick(join(entry.name))
                  }
                >
                  {entry.kind === 'folder' ? '📁' : '📄'} {entry.name}
                  {entry.size !== null && <span className="muted"> {formatBytes(entry.size)}</span>}
                </button>
              </li>
            ))}
        </ul>
        {listing?.truncated && <p className="muted">Only the first 2000 entries are shown.</p>}
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          {props.pick === 'folder' && listing && (
            <button type="button" className="primary" onClick={() => props.onPick(listing.path)}>
              Use this folder
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
