// The API client for every component below the App, without passing it through each one.
// The provider also feeds the jobs store from the API's job events for as long as it is
// mounted, whichever screen is shown.

import { createContext, useContext, useEffect, type ReactNode } from 'react';
import type { ApiClient } from '../../src-shared/api-client.js';
import { useJobs } from '../jobs/jobs-store.js';
import type { Transport } from './connect.js';

interface Connection {
  api: ApiClient;
  transport: Transport;
}

const ApiContext = createContext<Connection | null>(null);

export function ApiProvider({ value, children }: { value: Connection; children: ReactNode }) {
  useEffect(() => useJobs.getState().listen(value.api), [value.api]);
  return <ApiContext.Provider value={value}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const value = useContext(ApiContext);
  if (!value) throw new Error('useApi outside of an ApiProvider');
  return value.api;
}

export function useTransport(): Transport {
  return useContext(ApiContext)?.transport ?? 'browser';
}
