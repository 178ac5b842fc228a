// The partitions an image holds, as the restore wizard shows them: the manifest's rows when
// they say what each partition holds; otherwise (another tool's image, or an older image of
// every byte that recorded no filesystems) what a read of the image finds, the manifest's
// facts kept wherever it has them.

import type { ImagePartition } from '../../src-shared/api.js';
import type { Manifest, Partition } from '../../src-shared/manifest.js';

/** Whether the manifest leaves something a read of the image could tell. */
export function needsImageRead(manifest: Manifest | null): boolean {
  const table = manifest?.partitionTable;
  if (!table) return manifest === null;
  return table.partitions.some(
    (p) => p.filesystem === null && !/extended partition/.test(p.reason ?? ''),
  );
}

/** One row per partition read from the image, with the manifest's facts first. */
export function mergedRows(manifest: Manifest | null, read: ImagePartition[]): Partition[] {
  const recorded = new Map(manifest?.partitionTable?.partitions.map((p) => [p.index, p]) ?? []);
  return read.map((found) => {
    const row = recorded.get(found.index);
    const filesystem = row?.filesystem ?? found.filesystem;
    const label = row?.label ?? found.label;
    const usedBytes = row?.usedBytes ?? found.usedBytes;
    const typeName = row?.typeName ?? found.typeName;
    const name = row?.name ?? found.name;
    return {
      index: found.index,
      start: found.start,
      size: found.size,
      type: found.type,
      ...(typeName !== null && typeName !== undefined ? { typeName } : {}),
      ...(name !== null && name !== undefined ? { name } : {}),
      filesystem,
      ...(label !== null && label !== undefined ? { label } : {}),
      ...(usedBytes !== null && usedBytes !== undefined ? { usedBytes } : {}),
      mode: row?.mode ?? 'raw',
    };
  });
}
