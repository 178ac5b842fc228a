// The Drives screen: every drive with its size and, for those that cannot be restored to,
// why not.

import { useEffect } from 'react';
import type { ApiClient } from '../../src-shared/api-client.js';
import { formatBytes } from '../../src-shared/units.js';
import { useDrives } from '../store/drives-store.js';
import { cautionWords } from './caution-words.js';

const REFRESH_MS = 3000;

export function DrivesPage({ api }: { api: ApiClient }) {
  const { drives, showAll, loading, error, refresh, setShowAll } = useDrives();

  useEffect(() => {
    void refresh(api);
    const timer = setInterval(() => void refresh(api), REFRESH_MS);
    return () => clearInterval(timer);
  }, [api, refresh]);

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
          <li key={drive.path} className={drive.canRestoreTo ? 'drive' : 'drive blocked'}>
            <div className="name">{drive.description}</div>
            <div className="path">{drive.path}</div>
            <div className="size">{formatBytes(drive.size)}</div>
            <ul className="cautions" aria-label={`Cautions for ${drive.path}`}>
              {drive.cautions.map((caution) => (
                <li key={caution.kind + ('path' in caution ? caution.path : '')}>
                  {cautionWords(caution)}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
