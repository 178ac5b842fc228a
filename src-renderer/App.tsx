// The window's content: connects to the API once, then the screens — Drives, Back up,
// Restore, Clone, Images — under one navigation bar, and Browse files, opened from an image.

import { useEffect, useState } from 'react';
import type { ApiClient } from '../src-shared/api-client.js';
import { ApiProvider } from './api/api-context.js';
import { connect, type Transport } from './api/connect.js';
import { BackupWizard } from './backup/BackupWizard.js';
import { BrowsePage } from './browse/BrowsePage.js';
import { CloneWizard } from './clone/CloneWizard.js';
import { ImagesPage } from './images/ImagesPage.js';
import { SCREENS, SCREEN_TITLES, useNav } from './nav-store.js';
import { DrivesPage } from './pages/DrivesPage.js';
import { PlugInOffers } from './plans/PlugInOffers.js';
import { RestoreWizard } from './restore/RestoreWizard.js';

export function App() {
  const [connection, setConnection] = useState<{ api: ApiClient; transport: Transport } | null>(
    null,
  );
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    connect().then(setConnection, (e: unknown) =>
      setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);

  if (error) return <p role="alert">{error}</p>;
  if (!connection) return <p>Connecting…</p>;
  return (
    <ApiProvider value={connection}>
      <Shell transport={connection.transport} />
    </ApiProvider>
  );
}

export function Shell({ transport }: { transport: Transport }) {
  const { screen, go } = useNav();
  return (
    <div className="shell" data-transport={transport}>
      <nav aria-label="Screens">
        <span className="brand">Spillway</span>
        {SCREENS.map((s) => (
          <button
            key={s}
            type="button"
            aria-current={s === screen ? 'page' : undefined}
            onClick={() => go(s)}
          >
            {SCREEN_TITLES[s]}
          </button>
        ))}
      </nav>
      <main data-transport={transport}>
        <PlugInOffers />
        {screen === 'drives' && <DrivesPage />}
        {screen === 'backup' && <BackupWizard />}
        {screen === 'restore' && <RestoreWizard />}
        {screen === 'clone' && <CloneWizard />}
        {screen === 'images' && <ImagesPage />}
        {screen === 'browse' && <BrowsePage />}
      </main>
    </div>
  );
}
