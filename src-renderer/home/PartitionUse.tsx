// A drive's partitions on its card, one line each: what it is, a bar of the space its
// filesystem uses, and the figures. A partition whose use was not read (no filesystem that
// Spillway reads, swap) says so instead of drawing an empty bar.

import type { Partition } from '../../src-shared/manifest.js';
import { formatBytes } from '../../src-shared/units.js';

/** What a person calls the partition: its filesystem label, else its GPT name, else its kind. */
export function partitionTitle(p: Partition): string {
  return p.label || p.name || p.typeName || p.filesystem || `Partition ${p.index}`;
}

/** "1.2 GiB of 4.0 GiB used", or "4.0 GiB, use not known". */
export function useWords(p: Partition): string {
  return p.usedBytes === undefined
    ? `${formatBytes(p.size)}, use not known`
    : `${formatBytes(p.usedBytes)} of ${formatBytes(p.size)} used`;
}

export function PartitionUse({ path, partitions }: { path: string; partitions: Partition[] }) {
  return (
    <ul className="part-uses" aria-label={`Space used on ${path}`}>
      {partitions.map((p) => {
        const share = p.usedBytes !== undefined && p.size > 0 ? p.usedBytes / p.size : null;
        return (
          <li key={p.index} className="part-use">
            <span className="part-title">
              {partitionTitle(p)}
              {p.filesystem && <span className="muted"> · {p.filesystem}</span>}
            </span>
            <span className="part-figure">{useWords(p)}</span>
            <span className={share === null ? 'use-bar unknown' : 'use-bar'} aria-hidden="true">
              {share !== null && (
                <span
                  className="use-fill"
                  style={{ width: `${Math.min(100, Math.max(share > 0 ? 1 : 0, share * 100))}%` }}
                />
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
