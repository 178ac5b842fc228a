// What happened to the layout of a drive of another size, in words: one fact a line, for
// the CLI's summary and the app's outcome note alike.

import type { LayoutResult } from './protocol/events.js';
import { formatBytes } from './units.js';

/** What happened to the layout on a drive of another size, one fact a line. */
export function layoutWords(layout: LayoutResult): string {
  const lines: string[] = [];
  const g = layout.grown;
  if (g) {
    const sizes = `from ${formatBytes(g.from)} to ${formatBytes(g.to)}`;
    const fs = g.filesystem ?? 'no filesystem';
    if (g.tool) {
      lines.push(
        `Partition ${g.partition} grew ${sizes}; its ${fs} filesystem was grown to fill it (${g.tool}).`,
      );
    } else {
      const why =
        g.why === 'exfat'
          ? 'exFAT filesystems cannot be grown: it keeps its old size'
          : g.why === 'tool-missing'
            ? `it was not grown: ${g.detail ?? 'the tool is not installed'}`
            : `growing it failed, it keeps its old size: ${g.detail ?? ''}`;
      lines.push(`Partition ${g.partition} grew ${sizes}; its ${fs} filesystem ${why}.`);
    }
  }
  if (layout.moved.length > 0) {
    const list = layout.moved.join(', ');
    lines.push(
      `Moved to the end of the drive: partition${layout.moved.length === 1 ? '' : 's'} ${list}.`,
    );
  }
  if (layout.bootSectorsUpdated.length > 0) {
    lines.push(
      `Boot sectors updated for the new position: partition ${layout.bootSectorsUpdated.join(', ')}.`,
    );
  }
  if (layout.newIds) lines.push('The disk and its partitions were given new identifiers.');
  return lines.map((line) => `${line}\n`).join('');
}
