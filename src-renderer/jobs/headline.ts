// The live view's headline, readable from across the room: how far, as one big percent, and
// the time left in words ("About 3 minutes left"). Only a running job has time left; one that
// ended keeps the percent where it stopped.

import type { LiveStatus } from './job-view.js';

/** "42%", "100%", or "…" while how far cannot be known yet. */
export function percentWords(fraction: number | null): string {
  // Floor: "100%" only once it is all done.
  return fraction === null ? '…' : `${Math.floor(fraction * 100)}%`;
}

/** "About 3 minutes left", "Less than a minute left"; null when there is none to say. */
export function timeLeftWords(eta: number | null): string | null {
  if (eta === null || !Number.isFinite(eta)) return null;
  const minutes = Math.round(eta / 60);
  if (eta < 45) return 'Less than a minute left';
  if (minutes < 60) return `About ${minutes} minute${minutes === 1 ? '' : 's'} left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `About ${hours} h${rest > 0 ? ` ${rest} min` : ''} left`;
}

export function headline(
  status: LiveStatus,
  eta: number | null,
): { percent: string; timeLeft: string | null } {
  return {
    percent: percentWords(status.fraction),
    timeLeft: status.state === 'running' && status.showEta ? timeLeftWords(eta) : null,
  };
}
