// How a job's events reach the terminal: JSON lines (--json), a redrawn progress line (a
// terminal), or plain lines for phases and warnings (a log file, a pipe).

import type { Writable } from 'node:stream';
import type { JobEvent, WarningEvent } from '../../src-shared/protocol/events.js';
import { cliRemedy } from './error-words.js';
import { progressLine } from './progress-line.js';

/** A warning, with what to do about it on the command line when there is something. */
function warningLine(event: WarningEvent): string {
  return `warning: ${event.message}${event.remedy ? ` ${cliRemedy(event.remedy)}` : ''}\n`;
}

export interface Reporter {
  emit(event: JobEvent): void;
  /** Ends any redrawn line so that what follows starts on a fresh line. */
  finish(): void;
}

export function jsonReporter(out: Writable): Reporter {
  return {
    emit: (event) => out.write(JSON.stringify(event) + '\n'),
    finish: () => {},
  };
}

export function terminalReporter(out: NodeJS.WriteStream): Reporter {
  let drawn = false;
  const clear = () => {
    if (drawn) out.write('\r\x1b[K');
    drawn = false;
  };
  return {
    emit(event) {
      if (event.type === 'progress') {
        out.write(`\r\x1b[K${progressLine(event, out.columns || 100)}`);
        drawn = true;
      } else if (event.type === 'phase' || event.type === 'warning') {
        clear();
        out.write(event.type === 'warning' ? warningLine(event) : `${event.message}\n`);
      }
    },
    finish: clear,
  };
}

export function plainReporter(out: Writable): Reporter {
  return {
    emit(event) {
      if (event.type === 'phase') out.write(`${event.message}\n`);
      if (event.type === 'warning') out.write(warningLine(event));
    },
    finish: () => {},
  };
}
