// A WebSocket as a MessageLink: JSON text frames both ways. Written against the standard
// WebSocket interface, so the browser's and the `ws` package's (tests) both fit.

import type { MessageLink } from './api.js';

/** The part of the standard WebSocket interface this needs. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const OPEN = 1;

export function webSocketClientLink(socket: WebSocketLike): MessageLink {
  return {
    send(message) {
      if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
    },
    onMessage(listener) {
      const onMessage = (event: { data: unknown }) => {
        if (typeof event.data !== 'string') return;
        try {
          listener(JSON.parse(event.data));
        } catch {
          // not JSON: not from Spillway's server
        }
      };
      socket.addEventListener('message', onMessage);
      return () => socket.removeEventListener('message', onMessage);
    },
  };
}
