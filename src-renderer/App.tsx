// The window's content: connects to the API once, then the screens — Home (the two big
// actions and the drives plugged in), Back up, Restore, Clone, Images — under one navigation
// bar, and Browse files, opened from an image.

import {
  ArchiveRestore,
  Copy,
  HardDriveDownload,
  House,
  Images,
  type LucideIcon,
} from 'lucide-react';
import { useEffect, useState } from 'react';
import type { ApiClient } from '../src-shared/api-client.js';
import { ApiProvider } from './api/api-context.js';
import { connect, type Transport } from './api/connect.js';
import { BackupWizard } from './backup/BackupWizard.js';
import { BrowsePage } from './browse/BrowsePage.js';
import { CloneWizard } from './clone/CloneWizard.js';
import { ImagesPage } from './images/ImagesPage.js';
import { HomePage } from './home/HomePage.js';
import { SCREENS, SCREEN_TITLES, useNav, type Screen } from './nav-store.js';
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

  if (error)
    return (
      <p role="alert" className="connect-note">
        {error}
      </p>
    );
  if (!connection) return <p className="connect-note">Connecting…</p>;
  return (
    <ApiProvider value={connection}>
      <Shell transport={connection.transport} />
    </ApiProvider>
  );
}

const SCREEN_ICONS: Record<Exclude<Screen, 'browse'>, LucideIcon> = {
  home: House,
  backup: HardDriveDownload,
  restore: ArchiveRestore,
  clone: Copy,
  images: Images,
};

export function Shell({ transport }: { transport: Transport }) {
  const { screen, go } = useNav();
  return (
    <div className="shell" data-transport={transport}>
      <nav aria-label="Screens">
        <span className="brand">Spillway</span>
        {SCREENS.map((s) => {
          const Icon = SCREEN_ICONS[s];
          return (
            <button
              key={s}
              type="button"
              aria-current={s === screen ? 'page' : undefined}
              onClick={() => go(s)}
            >
              <Icon aria-hidden="true" size={18} />
              {SCREEN_TITLES[s]}
            </button>
          );
        })}
      </nav>
      <main data-transport={transport}>
        <PlugInOffers />
        {screen === 'home' && <HomePage />}
        {screen === 'backup' && <BackupWizard />}
        {screen === 'restore' && <RestoreWizard />}
        {screen === 'clone' && <CloneWizard />}
        {screen === 'images' && <ImagesPage />}
        {screen === 'browse' && <BrowsePage />}
      </main>
    </div>
  );
}
