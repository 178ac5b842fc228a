// How the CLI words what each command did: summaries on stderr, reports on stdout. The
// engine returns plain data (src-shared/protocol/events.ts); these are its words for people
// at a terminal (the app has its own, in src-renderer/).

import { describeBadRanges } from '../engine/source/careful-read.js';
import { readWholeWords } from '../engine/blockmap/block-map.js';
import type { Drive } from '../drives/list-drives.js';
import { layoutWords } from '../../src-shared/layout-words.js';
import { formatBytes, formatDuration } from '../../src-shared/units.js';
import type {
  BackupResult,
  PipeResult,
  RecompressResult,
  CloneResult,
  RestoreResult,
  VerifyResult,
} from '../../src-shared/protocol/events.js';
import type { BackupPlan, ImageInfo } from '../../src-shared/protocol/plans.js';

export function backupSummary(source: string, result: BackupResult): string {
  const parts = result.parts
    ? ` in ${result.parts} parts (.000 to .${String(result.parts - 1).padStart(3, '0')})`
    : '';
  return (
    `Backed up ${source} (${formatBytes(result.size)}) to ${result.image}${parts}: ` +
    `${formatBytes(result.imageBytes)}, ratio ${result.ratio?.toFixed(2) ?? '—'}, ` +
    `${formatDuration(result.seconds)}\nSHA-256 ${result.streamSha256}\n` +
    baseWords(result)
  );
}

/** What a backup with --base took from the earlier image (why nothing, it said as it began). */
function baseWords(result: BackupResult): string {
  const base = result.base;
  if (!base || base.refused) return '';
  return `Copied from the earlier image: ${base.framesReused} of ${result.frames} frames\n`;
}

/** What could not be read from the source, range by range. */
export function badRangesWarning(source: string, result: BackupResult): string {
  const ranges = result.badRanges;
  const total = ranges.reduce((sum, [a, b]) => sum + b - a, 0);
  return (
    `\nWARNING: ${formatBytes(total)} of ${source} could not be read and are zeros in the image ` +
    `(${ranges.length} range${ranges.length === 1 ? '' : 's'}, recorded in it):\n` +
    describeBadRanges(ranges)
      .map((line) => `  ${line}\n`)
      .join('')
  );
}

export function pipeSummary(result: PipeResult): string {
  return (
    `Passed ${formatBytes(result.bytes)}, spill peak ${formatBytes(result.spillPeak)}, ` +
    `${formatDuration(result.seconds)}\n`
  );
}

export function restoreSummary(image: string, result: RestoreResult): string {
  const readBack =
    result.readBack === true ? 'read back and compared: identical' : 'read-back skipped';
  return (
    `Restored ${image} to ${result.target}: ${formatBytes(result.bytesWritten)} written, ` +
    `${readBack}, ${formatDuration(result.seconds)}\n` +
    (result.layout ? layoutWords(result.layout) : '') +
    unusedWords(result)
  );
}

export function cloneSummary(result: CloneResult): string {
  const readBack =
    result.readBack === true ? 'read back and compared: identical' : 'read-back skipped';
  return (
    `Cloned ${result.source} to ${result.target}: ${formatBytes(result.bytesWritten)} written, ` +
    `${readBack}, ${formatDuration(result.seconds)}\n` +
    (result.layout ? layoutWords(result.layout) : '')
  );
}

const UNUSED_DONE_WORDS = {
  discarded: 'discarded (read back as zeros)',
  zeroed: 'zeros written',
  kept: 'left as it was (the old data is still there)',
  hole: 'left as holes (they read as zeros)',
} as const;

/** "Space no filesystem uses: 196 MiB discarded (read back as zeros), 13 MiB zeros written." */
export function unusedWords(result: RestoreResult): string {
  const totals = new Map<keyof typeof UNUSED_DONE_WORDS, number>();
  for (const { range, done } of result.unused) {
    totals.set(done, (totals.get(done) ?? 0) + range[1] - range[0]);
  }
  if (totals.size === 0) return '';
  const parts = [...totals].map(([done, n]) => `${formatBytes(n)} ${UNUSED_DONE_WORDS[done]}`);
  return `Space no filesystem uses: ${parts.join(', ')}.\n`;
}

export function recompressSummary(image: string, result: RecompressResult): string {
  return (
    `Recompressed ${image} to ${result.image}: ${formatBytes(result.imageBytes)}, ` +
    `ratio ${result.ratio?.toFixed(2) ?? '—'}, ${formatDuration(result.seconds)}\n` +
    `SHA-256 ${result.streamSha256} (the same drive bytes, checked)\n`
  );
}

export function verifyReport(result: VerifyResult): string {
  const lines: string[] = [];
  if (result.ok) {
    const what =
      result.checked === 'frames-and-stream-hash'
        ? 'every frame checksum and the SHA-256 of the whole image match'
        : result.checked === 'codec-checksums'
          ? 'the compressor’s own checksums match (made by another tool: no per-frame index)'
          : 'nothing to check: a plain image carries no checksums';
    lines.push(`OK: ${result.image} (${formatBytes(result.size)}): ${what}.`);
    if (result.streamSha256) lines.push(`SHA-256 ${result.streamSha256}`);
  } else {
    lines.push(`DAMAGED: ${result.image}`);
    for (const d of result.damage) {
      const where = [
        d.frame !== null ? `frame ${d.frame}` : null,
        d.drive ? `drive bytes ${d.drive[0]}–${d.drive[1]}` : null,
        d.file ? `file bytes ${d.file[0]}–${d.file[1]}` : null,
      ].filter(Boolean);
      lines.push(`  ${where.length > 0 ? where.join(', ') + ': ' : ''}${d.reason}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function imageReport(info: ImageInfo): string {
  const m = info.manifest;
  const layout = {
    indexed: 'indexed (random access, parallel restore, per-frame verify)',
    stream: 'a compressed stream without index (made by another tool): sequential restore',
    raw: 'a plain uncompressed image',
  }[info.layout];
  const lines = [
    `Image     ${info.path}`,
    `Layout    ${layout}`,
    `Codec     ${info.codec}${m ? `, level ${m.codec.level}` : ''}`,
    `File      ${formatBytes(info.fileSize)} (${info.fileSize} bytes)`,
    ...(info.encrypted
      ? ['Encrypted yes (age): the size above is of the image inside the age file']
      : []),
    `Holds     ${info.payloadSize === null ? 'unknown until decoded' : `${formatBytes(info.payloadSize)} (${info.payloadSize} bytes)`}`,
  ];
  if (info.ratio !== null) lines.push(`Ratio     ${info.ratio.toFixed(2)}`);
  if (info.frames !== null)
    lines.push(`Frames    ${info.frames}${m ? ` of ${formatBytes(m.frameSize)}` : ''}`);
  if (m) {
    const src = m.source;
    lines.push(
      `Source    ${src.path}${src.model ? ` (${src.model})` : ''}, ${formatBytes(src.size)}, ${src.kind}`,
      `Made      ${m.createdAt} by spillway ${m.tool.version}, ${m.mode} mode`,
      `SHA-256   ${m.streamSha256}`,
    );
    if (m.badRanges.length > 0) lines.push(`Unreadable ranges recorded: ${m.badRanges.length}`);
  }
  return lines.join('\n') + '\n';
}

export function drivesList(drives: Drive[]): string {
  if (drives.length === 0) return 'No drives found.\n';
  return drives
    .map((d) => {
      const tags = [
        d.system ? 'system' : null,
        d.removable ? 'removable' : null,
        d.readOnly ? 'read-only' : null,
        d.virtual ? 'virtual' : null,
      ].filter(Boolean);
      return (
        `${d.path.padEnd(14)} ${formatBytes(d.size).padStart(10)}  ${d.busType.padEnd(7)} ` +
        `${d.description}${tags.length ? `  [${tags.join(', ')}]` : ''}` +
        `${d.mountpoints.length ? `  mounted: ${d.mountpoints.join(', ')}` : ''}\n`
      );
    })
    .join('');
}

export function planReport(plan: BackupPlan): string {
  const lines = [`${plan.source}: ${formatBytes(plan.size)}, ${describeTable(plan)}`];
  for (const p of plan.partitions) {
    const used = p.usedBytes !== undefined ? `${formatBytes(p.usedBytes)} used of ` : '';
    lines.push(
      `  ${String(p.index).padStart(2)}  ${(p.filesystem ?? '?').padEnd(6)} ${used}${formatBytes(p.size)}` +
        `${p.label ? ` "${p.label}"` : ''}  ${p.mode === 'used' ? 'used blocks' : `whole (${p.reason ?? 'raw'})`}`,
    );
  }
  if (plan.whole) lines.push(`  ${readWholeWords(plan.whole)}`);
  lines.push(
    `Reads ${formatBytes(plan.bytesToRead)} of ${formatBytes(plan.size)}; ` +
      `expected image ${formatBytes(plan.expectedImage[0])}–${formatBytes(plan.expectedImage[1])} with zstd -3.`,
  );
  return lines.join('\n') + '\n';
}

function describeTable(plan: BackupPlan): string {
  if (!plan.partitionTable) return 'no partition table';
  return `${plan.partitionTable.type.toUpperCase()} partition table, ${plan.partitions.length} partitions`;
}
