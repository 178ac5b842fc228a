// The window's page as the packaged app holds it (app.asar from `npm run dist -- --dir
// --linux`, see src-main/test-support/packaged-app.ts), loaded from file:// in Chromium as
// the Electron window loads it, but with no preload: it renders, says plainly that it has no
// connection to the rest of the app, loads every asset it names from the package, and breaks
// none of its Content-Security-Policy.
//
// Chromium refuses a page from file:// its own module script and style sheet (file: has no
// CORS); Electron serves file:// through its own loader without that check (its asar-aware
// file loader), which --allow-file-access-from-files gives Chromium here.

import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import asar from '@electron/asar';
import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.js';
import { windowFiles } from '../src-main/app/window-files.js';
import { packageApp } from '../src-main/test-support/packaged-app.js';
import { tempDir } from '../src-main/test-support/temp-dir.js';

test.use({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--allow-file-access-from-files'],
  },
});

let dir: Awaited<ReturnType<typeof tempDir>>;
let pageUrl: string;
let extracted: string;

test.beforeAll(async () => {
  test.setTimeout(600_000);
  dir = await tempDir('spillway-package-');
  const app = await packageApp(dir.path);
  // Chromium cannot read inside the archive: its files, taken out with the asar reader.
  extracted = join(dir.path, 'app');
  asar.extractAll(app.archive, extracted);
  const { main } = JSON.parse(asar.extractFile(app.archive, 'package.json').toString()) as {
    main: string;
  };
  pageUrl = pathToFileURL(join(extracted, windowFiles(posix.dirname(main)).page)).href;
});

test.afterAll(async () => {
  await dir?.remove();
});

test('the packaged page renders from file:// and says it has no connection', async ({ page }) => {
  const failed: string[] = [];
  const consoleProblems: string[] = [];
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('requestfailed', (request) =>
    failed.push(`${request.url()}: ${request.failure()?.errorText}`),
  );
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      consoleProblems.push(message.text());
    }
  });
  page.on('pageerror', (error) => consoleProblems.push(error.message));
  // The page's own record of what its Content-Security-Policy refused.
  await page.addInitScript(
    'globalThis.cspRefused = [];' +
      "document.addEventListener('securitypolicyviolation', (e) =>" +
      " globalThis.cspRefused.push(e.violatedDirective + ': ' + e.blockedURI));",
  );

  await page.goto(pageUrl);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('no connection to the rest of Spillway');
  await expect(alert).toContainText('cannot list drives or run backups');
  // The style sheet applied (body's margin and font come from it).
  await expect(page.locator('body')).toHaveCSS('margin', '0px');
  await expect(page.locator('script[src]')).toHaveCount(1);

  expect(failed).toEqual([]);
  expect(consoleProblems).toEqual([]);
  expect(await page.evaluate(() => (globalThis as { cspRefused?: string[] }).cspRefused)).toEqual(
    [],
  );
  // Everything came from the package: nothing from the network.
  const root = pathToFileURL(extracted).href;
  expect(requests.filter((url) => !url.startsWith(root + '/'))).toEqual([]);
  expect(requests.length).toBeGreaterThanOrEqual(3); // the page, its script, its style sheet
});
