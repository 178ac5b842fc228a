// A drive's or an image's partitions: number, filesystem, label, use and size, and any
// columns the screen adds (what a backup reads of each).

import type { ReactNode } from 'react';
import type { Partition } from '../../src-shared/manifest.js';
import { formatBytes } from '../../src-shared/units.js';

interface Props {
  label: string;
  partitions: Partition[];
  /** An extra column: its heading and its cell for each partition. */
  extra?: { heading: string; cell(partition: Partition): ReactNode };
}

export function PartitionTable({ label, partitions, extra }: Props) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th>#</th>
          <th>Filesystem</th>
          <th>Label</th>
          <th>Used / size</th>
          {extra && <th>{extra.heading}</th>}
        </tr>
      </thead>
      <tbody>
        {partitions.map((p) => (
          <tr key={p.index}>
            <td>{p.index}</td>
            <td>{p.filesystem ?? p.typeName ?? '—'}</td>
            <td>{p.label ?? p.name ?? ''}</td>
            <td>
              {p.usedBytes !== undefined ? formatBytes(p.usedBytes) : '?'} / {formatBytes(p.size)}
            </td>
            {extra && <td>{extra.cell(p)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
