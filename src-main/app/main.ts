// The Electron main process: one window (context isolation, sandbox, no Node in the page, a
// strict Content-Security-Policy, no navigation or new windows), the API served to it over
// IPC, jobs in the privileged helper. While a job runs: progress on the taskbar/dock, the
// computer kept awake, and a question before quitting; a notification when it ends. One
// instance at a time.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Notification,
  powerSaveBlocker,
  session,
  shell,
} from 'electron';
import { serveApi } from '../api/api-handler.js';
import { appBackend, lazyHelperRunner } from '../api/app-backend.js';
import { startHelper } from '../helper/start-helper.js';
import type { JobMessage } from '../../src-shared/api.js';
import { ipcMainLink } from './ipc-link.js';
import { JobWatch } from './job-watch.js';
import { windowFiles } from './window-files.js';

const WINDOW = windowFiles(dirname(fileURLToPath(import.meta.url)));
/** Installed by the deb next to app.asar; named by the polkit action. */
const LINUX_LAUNCHER = join(process.resourcesPath ?? '', 'spillway-helper');

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  const backend = {
    ...appBackend(app.getPath('userData'), (log) =>
      lazyHelperRunner(() => startHelper({ linuxLauncher: LINUX_LAUNCHER, log })),
    ),
    reveal: (path: string) => shell.showItemInFolder(path),
    openFolder: (path: string) => shell.openPath(path),
  };
  const watch = new JobWatch();
  let window: BrowserWindow | null = null;
  let blocker: number | null = null;
  let quitting = false;

  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, answer) =>
    answer(false),
  );
  session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] },
    }),
  );

  const onJobMessage = (message: JobMessage) => {
    const ended = watch.take(message);
    const running = watch.running > 0;
    if (running && blocker === null) blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!running && blocker !== null) {
      powerSaveBlocker.stop(blocker);
      blocker = null;
    }
    window?.setProgressBar(running ? (watch.progress ?? 2) : -1); // 2: indeterminate
    if (ended && Notification.isSupported()) new Notification(ended).show();
  };

  const open = () => {
    const win = new BrowserWindow({
      width: 1000,
      height: 720,
      title: 'Spillway',
      webPreferences: {
        preload: WINDOW.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webviewTag: false,
      },
    });
    window = win;
    const contents = win.webContents;
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event) => event.preventDefault());
    const link = ipcMainLink(ipcMain, contents);
    const stop = serveApi(backend, {
      send(message) {
        if ((message as Partial<JobMessage>).jobId !== undefined) {
          onJobMessage(message as JobMessage);
        }
        link.send(message);
      },
      onMessage: link.onMessage,
    });
    win.on('close', (event) => {
      if (quitting || watch.running === 0) return;
      const choice = dialog.showMessageBoxSync(win, {
        type: 'warning',
        buttons: ['Keep working', 'Stop the job and quit'],
        defaultId: 0,
        cancelId: 0,
        message: 'A job is still running.',
        detail: 'Quitting stops it; an unfinished image is removed.',
      });
      if (choice === 0) event.preventDefault();
      else quitting = true;
    });
    win.on('closed', () => {
      stop();
      window = null;
    });
    void win.loadFile(WINDOW.page);
  };

  app.on('second-instance', () => {
    if (!window) return open();
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('activate', () => {
    if (!window) open();
  });
  // Quitting stops the helper first: it undoes the images it mounted (nothing is left
  // mounted or attached), then the app quits. On 'will-quit' rather than 'before-quit': it
  // comes once the windows closed, so a running job's question is asked first.
  let helperClosed = false;
  const closeThenQuit = () =>
    void backend.runner.close().finally(() => {
      helperClosed = true;
      app.quit();
    });
  app.on('will-quit', (event) => {
    if (helperClosed) return;
    event.preventDefault();
    closeThenQuit();
  });
  app.on('window-all-closed', closeThenQuit);
  open();
}
