// What the main process needs to know about running jobs for the desktop's own signals
// (taskbar/dock progress, keeping the computer awake, asking before quitting, a notification
// at the end), read from the job events passing to the window. Pure: no Electron here.

import type { JobMessage } from '../../src-shared/api.js';
import type { JobKind } from '../../src-shared/protocol/events.js';
import { formatBytes } from '../../src-shared/units.js';

export interface JobEnd {
  title: string;
  body: string;
}

export class JobWatch {
  private readonly fractions = new Map<string, number | null>();

  get running(): number {
    return this.fractions.size;
  }

  /** Overall progress of the running jobs, 0..1, or null when unknown or none run. */
  get progress(): number | null {
    const known = [...this.fractions.values()].filter((f): f is number => f !== null);
    if (known.length === 0) return null;
    return known.reduce((a, b) => a + b, 0) / known.length;
  }

  /** Takes one message; returns what to tell the user when a job ended. */
  take(message: JobMessage): JobEnd | null {
    const { jobId, event } = message;
    switch (event.type) {
      case 'progress': {
        const total = event.streamTotal;
        this.fractions.set(jobId, total ? Math.min(1, event.streamDone / total) : null);
        return null;
      }
      case 'phase':
      case 'warning':
        if (!this.fractions.has(jobId)) this.fractions.set(jobId, null);
        return null;
      case 'done': {
        this.fractions.delete(jobId);
        const r = event.result;
        const body =
          r.kind === 'backup'
            ? `${r.image}: ${formatBytes(r.imageBytes)} (ratio ${r.ratio?.toFixed(2) ?? '—'})`
            : r.kind === 'verify'
              ? r.ok
                ? `${r.image} is intact.`
                : `${r.image} is damaged.`
              : r.kind === 'restore'
                ? `${r.target}: ${formatBytes(r.bytesWritten)} written${r.readBack ? ', read back identical' : ''}.`
                : 'Done.';
        return { title: `${titleOf(event.job)} finished`, body };
      }
      case 'error':
        this.fractions.delete(jobId);
        return {
          title:
            event.error.code === 'cancelled'
              ? `${titleOf(event.job)} cancelled`
              : `${titleOf(event.job)} failed`,
          body: event.error.message,
        };
    }
  }
}

function titleOf(kind: JobKind): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}
