// What a UI spec sets up around its tests: a scratch folder, the loop devices it attaches over
// files it made there, and `spillway ui` with its history and settings in that folder. At the
// spec's end the server stops, what the spec asked to undo is undone (an unmount, say), exactly the
// loop devices it attached are detached by name, and the folder goes: also when the set-up or
// a test failed (Playwright runs afterAll then too).

import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { attachLoop, type LoopDevice } from '../src-main/test-support/loop-devices.js';
import { tempDir } from '../src-main/test-support/temp-dir.js';
import { startUi, type UiServer } from './ui-server.js';

export interface UiFixture {
  /** The spec's scratch folder. */
  readonly dir: string;
  readonly ui: UiServer;
  /** Attaches `file` as a new loop device, detached at the spec's end if not before. */
  attach: typeof attachLoop;
  /** Stops `spillway ui` and starts it again over the same data folder. */
  restartUi(): Promise<void>;
  /** Opens the UI in `page` at 1440×900 (the size screens are photographed at), then `screen`
   *  by the navigation when one is named. */
  open(page: Page, screen?: string): Promise<void>;
  /** Runs `undo` at the spec's end, after the server stops, before the devices go. */
  atEnd(undo: () => Promise<unknown>): void;
}

/**
 * Registers the spec's beforeAll and afterAll: call it once at the top of the spec file.
 * `prepare` makes the spec's files and devices before the server starts.
 */
export function uiFixture(
  prepare: (
    fixture: Omit<UiFixture, 'ui' | 'open' | 'restartUi'>,
  ) => Promise<void> = async () => {},
): UiFixture {
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  let ui: UiServer | undefined;
  const attached: LoopDevice[] = [];
  const undos: Array<() => Promise<unknown>> = [];

  const fixture: UiFixture = {
    get dir() {
      if (!dir) throw new Error('the spec’s folder is made in beforeAll');
      return dir.path;
    },
    get ui() {
      if (!ui) throw new Error('`spillway ui` starts in beforeAll');
      return ui;
    },
    async attach(file, options) {
      const loop = await attachLoop(file, options);
      attached.push(loop);
      return loop;
    },
    async restartUi() {
      await fixture.ui.stop();
      ui = await startUi(join(fixture.dir, 'data'));
    },
    async open(page, screen) {
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(fixture.ui.url);
      if (screen) await page.getByRole('navigation').getByRole('button', { name: screen }).click();
    },
    atEnd: (undo) => undos.push(undo),
  };

  test.beforeAll(async () => {
    dir = await tempDir();
    await prepare(fixture);
    ui = await startUi(join(dir.path, 'data'));
  });

  test.afterAll(async () => {
    try {
      await ui?.stop();
      // Last done, first undone: an unmount before the device under it goes.
      for (const undo of undos.reverse()) await undo();
    } finally {
      for (const loop of attached.reverse()) await loop.detach();
      await dir?.remove();
    }
  });

  return fixture;
}

/**
 * Ticks "Show all devices" in `scope` (a page or a wizard). The box is disabled until the
 * setting it shows has arrived from the server, and Playwright's check() reads the box's
 * state before it waits for it to be enabled: ticked on the server by an earlier test, the box
 * would read unticked, then arrive ticked and be clicked off. So wait for it first.
 */
export async function showAllDevices(scope: Page | Locator): Promise<void> {
  const box = scope.getByLabel(/Show all devices/);
  await expect(box).toBeEnabled({ timeout: 20_000 });
  await box.check();
}
