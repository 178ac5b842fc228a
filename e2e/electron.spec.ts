// The desktop app's smoke test, through Playwright's Electron support: the window opens over
// the preload bridge and lists drives. Runs where the Electron binary is installed; skips,
// saying so, where it could not be downloaded (as on the machines these tests usually run on).

import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary } from '../src-main/app/electron-binary.js';
import { REPO_ROOT } from '../src-main/test-support/paths.js';
import { tempDir } from '../src-main/test-support/temp-dir.js';

const binary = electronBinary(REPO_ROOT);

test('the window opens and lists drives', async () => {
  test.skip(binary === null, 'the Electron binary is not installed (it cannot be downloaded here)');
  const dir = await tempDir();
  const app = await electron.launch({
    executablePath: binary!,
    // Electron refuses to run as root without --no-sandbox (the page is still sandboxed by
    // the window's own settings).
    args: [REPO_ROOT, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, XDG_CONFIG_HOME: join(dir.path, 'config') },
  });
  try {
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { name: 'Drives' })).toBeVisible();
    await expect(page.locator('main')).toHaveAttribute('data-transport', 'electron');
    await expect(page.getByText('Looking for drives…')).toBeHidden();
    await expect(page.locator('.drive').first()).toBeVisible();
    // The page has no Node: the preload exposed only the API's link.
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
  } finally {
    await app.close();
    await dir.remove();
  }
});
