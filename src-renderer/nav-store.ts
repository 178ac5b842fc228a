// Which screen is shown, Home first. A store, not App state, so a screen can send the user on
// (Images → "Restore…" opens the restore wizard with that image; "Browse files" opens the Browse screen,
// which has no button of its own in the bar: it always shows one image, chosen elsewhere).

import { create } from 'zustand';

export const SCREENS = ['home', 'backup', 'restore', 'clone', 'images'] as const;
export type Screen = (typeof SCREENS)[number] | 'browse';

export const SCREEN_TITLES: Record<Screen, string> = {
  browse: 'Browse files',
  home: 'Home',
  backup: 'Back up',
  restore: 'Restore',
  clone: 'Clone',
  images: 'Images',
};

export const useNav = create<{ screen: Screen; go(screen: Screen): void }>((set) => ({
  screen: 'home',
  go: (screen) => set({ screen }),
}));
