// A drive's or an image's partitions: number, what the partition is (its GPT name and type),
// what filesystem it holds with its label and use, and any columns the screen adds (what a
// backup reads of each). A GPT partition name is the partition's, not the filesystem's
// label, so each has its own column; what was not found out is said to be unknown.

import type { ReactNode } from 'react';
import type { Partition } from '../../src-shared/manifest.js';
import { formatBytes } from '../../src-shared/units.js';

interface Props {
  label: string;
  partitions: Partition[];
  /** An extra column: its heading and its cell for each partition. */
  extra?: { heading: string; cell(partition: Partition): ReactNode };
}

/**
 * The partition's GPT name and its type's name, the type left out when the name already says
 * it: tools name partitions after their type ("EFI system partition" of type "EFI System",
 * "Linux swap" of type "Linux swap"), and saying both reads as a stutter.
 */
export function partitionName(p: Pick<Partition, 'name' | 'typeName'>): string {
  const name = p.name?.trim() ?? '';
  const type = p.typeName?.trim() ?? '';
  if (name === '') return type || '—';
  if (type === '' || name.toLowerCase().includes(type.toLowerCase())) return name;
  return `${name}, ${type}`;
}

/** The cells of one partition, in words (pure, so each can be tested on its own). */
export function partitionCells(p: Partition): {
  partition: string;
  filesystem: string;
  label: string;
  used: string;
} {
  const known = p.filesystem !== null;
  return {
    partition: partitionName(p),
    filesystem: p.filesystem ?? 'unknown',
    // A filesystem that was read and has no label has none; without one, it is not known.
    label: p.label ?? (known ? 'none' : 'unknown'),
    used: `${p.usedBytes !== undefined ? formatBytes(p.usedBytes) : 'unknown'} of ${formatBytes(p.size)}`,
  };
}

export function PartitionTable({ label, partitions, extra }: Props) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th>#</th>
          <th>Partition</th>
          <th>Filesystem</th>
          <th>Label</th>
          <th>Used</th>
          {extra && <th>{extra.heading}</th>}
        </tr>
      </thead>
      <tbody>
        {partitions.map((p) => {
          const cells = partitionCells(p);
          return (
            <tr key={p.index}>
              <td>{p.index}</td>
              <td>{cells.partition}</td>
              <td>{cells.filesystem}</td>
              <td>{cells.label}</td>
              <td>{cells.used}</td>
              {extra && <td>{extra.cell(p)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
