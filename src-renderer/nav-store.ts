// Which screen is shown. A store, not App state, so a screen can send the user on (Images →
// "Restore…" opens the restore wizard with that image).

import { create } from 'zustand';

export const SCREENS = ['drives', 'backup', 'restore', 'images'] as const;
export type Screen = (typeof SCREENS)[number];

export const SCREEN_TITLES: Record<Screen, string> = {
  drives: 'Drives',
  backup: 'Back up',
  restore: 'Restore',
  images: 'Images',
};

export const useNav = create<{ screen: Screen; go(screen: Screen): void }>((set) => ({
  screen: 'drives',
  go: (screen) => set({ screen }),
}));
