// The window's content: connects to the API once, then shows the Drives screen.

import { useEffect, useState } from 'react';
import type { ApiClient } from '../src-shared/api-client.js';
import { connect, type Transport } from './api/connect.js';
import { DrivesPage } from './pages/DrivesPage.js';

export function App() {
  const [api, setApi] = useState<{ api: ApiClient; transport: Transport } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    connect().then(setApi, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  if (error) return <p role="alert">{error}</p>;
  if (!api) return <p>Connecting…</p>;
  return (
    <main data-transport={api.transport}>
      <DrivesPage api={api.api} />
    </main>
  );
}
