// The one-line progress display, like pv's: how far, both rates, ratio, elapsed and ETA.
// Pure: an event and a width in, a line out.

import type { ProgressEvent } from '../../src-shared/protocol/events.js';
import { formatBytes, formatDuration, formatRate } from '../../src-shared/units.js';

const STAGE_WORDS = { read: 'reading', codec: 'compression', write: 'writing' } as const;

function bar(fraction: number, width: number): string {
  if (width < 3) return '';
  const inner = width - 2;
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * inner);
  const arrow = done > 0 && done < inner ? '>' : '';
  return `[${'='.repeat(Math.max(0, done - arrow.length))}${arrow}${' '.repeat(inner - done)}]`;
}

export function progressLine(event: ProgressEvent, columns: number): string {
  const done = event.streamDone;
  const total = event.streamTotal;
  const fraction = total ? done / total : null;
  const amount = total ? `${formatBytes(done)} / ${formatBytes(total)}` : formatBytes(done);
  const parts = [
    amount,
    `read ${formatRate(event.readRate)}`,
    `write ${formatRate(event.writeRate)}`,
    event.ratio ? `×${event.ratio.toFixed(2)}` : null,
    event.spill && event.spill.bytes > 0 ? `spill ${formatBytes(event.spill.bytes)}` : null,
    event.bottleneck ? `bottleneck: ${STAGE_WORDS[event.bottleneck]}` : null,
    formatDuration(event.elapsed),
    fraction !== null ? `ETA ${formatDuration(event.eta)}` : null,
  ].filter((p): p is string => p !== null);
  const text = parts.join('  ');
  if (fraction === null) return text.slice(0, columns - 1);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const room = columns - 1 - text.length - percent.length - 2;
  return room >= 10
    ? `${text}  ${percent} ${bar(fraction, Math.min(room, 40))}`
    : `${text}  ${percent}`.slice(0, columns - 1);
}
