// The renderer's API, over whichever transport it was loaded with: the preload bridge in the
// Electron window (window.spillway), or a WebSocket back to `spillway ui` in a browser (the
// token comes from the page's URL). Nothing above this file knows which.

import type { MessageLink } from '../../src-shared/api.js';
import { createApiClient, type ApiClient } from '../../src-shared/api-client.js';
import { webSocketClientLink } from '../../src-shared/websocket-link.js';

declare global {
  interface Window {
    /** Exposed by the Electron preload (src-main/app/preload.cts); absent in a browser. */
    spillway?: MessageLink;
  }
}

export type Transport = 'electron' | 'browser';

/** Said when the window of the app opened without its bridge (a broken installation). */
export const NO_API_MESSAGE =
  'This window has no connection to the rest of Spillway, so it cannot list drives or run ' +
  'backups: part of the app did not load. Reinstalling Spillway may fix this.';

export async function connect(): Promise<{ api: ApiClient; transport: Transport }> {
  if (window.spillway) return { api: createApiClient(window.spillway), transport: 'electron' };
  // The app's window loads the page from a file and talks through the preload bridge only;
  // without it there is no server to reach over a WebSocket either.
  if (window.location.protocol === 'file:') throw new Error(NO_API_MESSAGE);
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const socket = new WebSocket(
    `ws://${window.location.host}/api?token=${encodeURIComponent(token)}`,
  );
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener(
      'error',
      () => reject(new Error('Could not reach Spillway: is `spillway ui` still running?')),
      { once: true },
    );
  });
  const api = createApiClient(webSocketClientLink(socket));
  socket.addEventListener('close', () => api.close('Spillway stopped (the connection closed).'));
  return { api, transport: 'browser' };
}
