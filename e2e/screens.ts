// Screenshots of every screen at the two sizes the UI must work at (900×600, the smallest;
// 1440×900, a common laptop), and in dark mode, saved under test-results/screens (not committed) for a person
// to look at: nothing cut off, nothing overlapping.

import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { REPO_ROOT } from '../src-main/test-support/paths.js';

export const SCREEN_SIZES = [
  { width: 900, height: 600 },
  { width: 1440, height: 900 },
] as const;

export const SCREENS_DIR = join(REPO_ROOT, 'test-results', 'screens');

/** Saves `name` at each size (ending at the larger one); at each, nothing may stick out. */
export async function shoot(page: Page, name: string): Promise<void> {
  for (const size of SCREEN_SIZES) {
    await page.setViewportSize(size);
    // Charts follow their box's size on the next frames (ResizeObserver): let them.
    await page.waitForTimeout(250);
    await page.screenshot({
      path: join(SCREENS_DIR, `${name}-${size.width}x${size.height}.png`),
      fullPage: true,
    });
    expect(await overflowingElements(page), `${name} at ${size.width}×${size.height}`).toEqual([]);
  }
  // Labels, names, roles and contrast as axe-core checks them (WCAG 2 A and AA), in light
  // and in dark.
  expect(await accessibilityProblems(page), `${name}, light`).toEqual([]);
  // The same screen as a user whose system is set to dark sees it.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(SCREENS_DIR, `${name}-dark.png`), fullPage: true });
  expect(await accessibilityProblems(page), `${name}, dark`).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Nothing may stick out sideways at the current size: an element reaching past the
 *  window's right edge is cut off or pushed out. (Runs in the page; a string because the
 *  test code is compiled without the DOM's types.) */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.right > width + 1;
      })
      .map((el) => el.tagName.toLowerCase() + '.' + el.className + ' right ' +
        Math.round(el.getBoundingClientRect().right) + ' > ' + width);
  })()`);
}

/** What axe-core finds wrong on the page, one line per rule and element. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa'])
    // uPlot's canvas charts carry their meaning in the figures and captions beside them.
    .exclude('.uplot')
    .analyze();
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}
