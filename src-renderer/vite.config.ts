// The renderer's build: one page, served by `spillway ui` and loaded by the Electron window
// from build/renderer (relative asset paths work over http and file:// alike).

import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../build/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or styles: the Content-Security-Policy allows only files from 'self'.
    assetsInlineLimit: 0,
  },
});
