// The files the window loads, found from the main process's own folder (build/src-main/app/
// in the sources and inside the packaged app.asar alike). main.ts opens them; the package
// test (packaged-app.test.ts) checks that the package holds them at these very places.

import { join } from 'node:path';

export function windowFiles(appDir: string): { preload: string; page: string } {
  return {
    /** Compiled from preload.cts: sandboxed preloads are CommonJS. */
    preload: join(appDir, 'preload.cjs'),
    /** The renderer's page, built by vite into build/renderer. */
    page: join(appDir, '..', '..', 'renderer', 'index.html'),
  };
}
