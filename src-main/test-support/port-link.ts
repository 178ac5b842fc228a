// A MessagePort as a MessageLink: structured clones both ways, as Electron's IPC carries the
// preload bridge's messages. The contract tests run the API over it where Electron cannot.

import type { MessagePort } from 'node:worker_threads';
import type { MessageLink } from '../../src-shared/api.js';

export function portLink(port: MessagePort): MessageLink {
  return {
    send: (message) => port.postMessage(message),
    onMessage(listener) {
      port.on('message', listener);
      return () => port.off('message', listener);
    },
  };
}
