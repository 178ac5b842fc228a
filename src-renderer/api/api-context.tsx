// The API client for every component below the App, without passing it through each one.

import { createContext, useContext } from 'react';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { Transport } from './connect.js';

export const ApiContext = createContext<{ api: ApiClient; transport: Transport } | null>(null);

export function useApi(): ApiClient {
  const value = useContext(ApiContext);
  if (!value) throw new Error('useApi outside of an ApiContext');
  return value.api;
}

export function useTransport(): Transport {
  return useContext(ApiContext)?.transport ?? 'browser';
}
