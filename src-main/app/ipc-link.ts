// The main process's end of the preload bridge: one MessageLink per window, over Electron
// IPC on one channel. Only messages from that window's own top frame are taken.

import type { IpcMain, IpcMainEvent, WebContents } from 'electron';
import { IPC_CHANNEL, type MessageLink } from '../../src-shared/api.js';

export function ipcMainLink(ipcMain: IpcMain, contents: WebContents): MessageLink {
  return {
    send(message) {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
    },
    onMessage(listener) {
      const onMessage = (event: IpcMainEvent, message: unknown) => {
        if (event.sender !== contents || event.senderFrame !== contents.mainFrame) return;
        listener(message);
      };
      ipcMain.on(IPC_CHANNEL, onMessage);
      return () => ipcMain.off(IPC_CHANNEL, onMessage);
    },
  };
}
