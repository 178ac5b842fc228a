// The preload of the app's window: exposes only the API's message link as window.spillway
// (send a request, listen for responses and job events), nothing of Node or Electron.
// Sandboxed preloads are CommonJS and may require only 'electron': the channel name is
// repeated here (src-shared/api.ts IPC_CHANNEL; a test checks they agree).

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const CHANNEL = 'spillway:api';

contextBridge.exposeInMainWorld('spillway', {
  send(message: unknown) {
    ipcRenderer.send(CHANNEL, message);
  },
  onMessage(listener: (message: unknown) => void) {
    const onMessage = (_event: IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(CHANNEL, onMessage);
    return () => {
      ipcRenderer.off(CHANNEL, onMessage);
    };
  },
});
