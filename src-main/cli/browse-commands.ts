// `spillway ls`, `find` and `extract`: files out of an image without restoring the drive.
// The engine finds and copies (engine/browse/); this words it for a terminal, or prints JSON.

import type { ImageFolder, PartitionListing } from '../../src-shared/api.js';
import type { ExtractResult } from '../../src-shared/protocol/events.js';
import { formatBytes, formatDuration } from '../../src-shared/units.js';
import { findNames } from '../engine/browse/find-names.js';
import { entryError, ImageBrowser } from '../engine/browse/image-browser.js';
import { parseImagePath, showImagePath, type ImagePath } from '../engine/browse/image-path.js';
import { imageFolder, partitionListing } from '../engine/browse/image-questions.js';
import type { ReadStats } from '../engine/random-access/image-reader.js';
import type { SshOptions } from '../engine/endpoints/ssh/connection.js';
import type { AgeKeys } from '../engine/endpoints/age/age-keys.js';
import { extract, SpillwayError } from '../engine/index.js';
import { EXIT } from './exit-codes.js';
import { jobIO } from './job-io.js';

export interface BrowseFlags {
  json?: boolean;
  threads?: number;
  ssh?: SshOptions;
  /** What opens an encrypted image. */
  age?: AgeKeys;
}

/** "2:/docs" (or "/docs"), or a usage error that says how to write one. */
export function imagePathArgument(text: string): ImagePath {
  const parsed = parseImagePath(text);
  if (!parsed) {
    throw new SpillwayError('usage', `"${text}" is not a path inside the image.`, {
      remedy: 'name-image-place',
    });
  }
  return parsed;
}

async function withBrowser<T>(
  image: string,
  flags: BrowseFlags,
  work: (browser: ImageBrowser) => Promise<T>,
): Promise<T> {
  const browser = await ImageBrowser.open(image, {
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(flags.ssh ? { ssh: flags.ssh } : {}),
    ...(flags.age ? { age: flags.age } : {}),
  });
  try {
    return await work(browser);
  } finally {
    await browser.close();
  }
}

/** Runs a command's work, adding the next step on the command line to its errors. */
async function hinted<T>(partition: number | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw withCliHint(error, partition === null);
  }
}

export async function lsCommand(
  image: string,
  where: string | undefined,
  flags: BrowseFlags & { stats?: boolean },
): Promise<number> {
  const place = where === undefined ? null : imagePathArgument(where);
  return hinted(place?.partition ?? 0, () =>
    withBrowser(image, flags, async (browser) => {
      if (place === null) {
        const listing = await partitionListing(browser);
        process.stdout.write(flags.json ? JSON.stringify(listing) + '\n' : describeLayout(listing));
      } else {
        const folder = await imageFolder(browser, place.partition, place.path);
        process.stdout.write(flags.json ? JSON.stringify(folder) + '\n' : describeFolder(folder));
      }
      if (flags.stats) process.stderr.write(describeReading(browser.reader.stats));
      return EXIT.ok;
    }),
  );
}

/** What answering took from the image (ls --stats): the reader's own counters. */
export function describeReading(stats: ReadStats): string {
  const frames = (n: number) => `${n} frame${n === 1 ? '' : 's'}`;
  return (
    `${frames(stats.framesDecoded)} of the image decoded` +
    (stats.framesReadAhead > 0 ? ` (${stats.framesReadAhead} of them read ahead)` : '') +
    `, ${formatBytes(stats.imageBytesRead)} of it read.\n`
  );
}

function describeLayout(listing: PartitionListing): string {
  const table =
    listing.table === null
      ? 'no partition table'
      : `${listing.table.toUpperCase()} partition table`;
  const lines = [`${listing.image}: ${formatBytes(listing.size)} drive, ${table}`];
  const rows = listing.partitions.map((p) => [
    String(p.index),
    p.filesystem ?? '?',
    p.label ?? '',
    formatBytes(p.size),
    p.usedBytes === null ? '—' : formatBytes(p.usedBytes),
    p.browsable ? '' : `no files to read: ${p.problem ?? 'unknown filesystem'}`,
  ]);
  lines.push(...columns([['#', 'filesystem', 'label', 'size', 'used', ''], ...rows], [3, 4]));
  if (listing.problem) lines.push(listing.problem);
  for (const p of listing.partitions) {
    for (const note of p.notes) lines.push(`${p.index}: ${note}`);
  }
  return lines.join('\n') + '\n';
}

/** Rows as aligned text columns; `right`: the columns aligned to the right. */
function columns(rows: string[][], right: number[] = []): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - [...cell].length);
        return right.includes(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

const KIND_LETTER = { folder: 'd', file: '-', symlink: 'l', other: '?' } as const;

/** "drwxr-xr-x"; "d" alone where the filesystem keeps no permissions. */
function modeText(kind: keyof typeof KIND_LETTER, mode: number | null): string {
  if (mode === null) return KIND_LETTER[kind];
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  return KIND_LETTER[kind] + bits;
}

function timeText(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}`
  );
}

function describeFolder(folder: ImageFolder): string {
  const rows = folder.entries.map((e) => [
    modeText(e.kind, e.mode),
    e.kind === 'folder' ? '' : formatBytes(e.size),
    timeText(e.mtimeMs),
    e.kind === 'folder'
      ? `${e.name}/`
      : e.kind === 'symlink'
        ? `${e.name} -> ${e.target ?? '?'}`
        : e.name,
  ]);
  const lines = rows.length > 0 ? columns(rows, [1]) : [];
  if (folder.truncated) lines.push(`… and more (only the first ${rows.length} are listed)`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

export async function findCommand(
  image: string,
  where: string,
  flags: BrowseFlags,
): Promise<number> {
  const numbered = /^(\d{1,4}):(.*)$/s.exec(where);
  const partition = numbered ? Number(numbered[1]) : null;
  const pattern = numbered ? numbered[2]! : where;
  if (pattern === '') throw new SpillwayError('usage', 'Give a name pattern to find, as 2:*.jpg.');
  return hinted(partition, () =>
    withBrowser(image, flags, async (browser) => {
      const found = await browser.partition(partition);
      const index = found.partition.index;
      let problems = 0;
      try {
        for await (const hit of findNames(found, pattern)) {
          const shown = showImagePath(index, hit.path);
          if (hit.type === 'problem') {
            problems++;
            if (flags.json) process.stdout.write(JSON.stringify({ ...hit, path: shown }) + '\n');
            else process.stderr.write(`spillway: ${shown}: ${hit.problem}; not searched\n`);
            continue;
          }
          const { kind, size, mtimeMs } = hit.entry;
          process.stdout.write(
            flags.json
              ? JSON.stringify({ type: 'match', path: shown, kind, size, mtimeMs }) + '\n'
              : `${shown}${kind === 'folder' ? '/' : ''}\n`,
          );
        }
      } catch (error) {
        throw entryError(error, index, '/');
      }
      return problems > 0 ? EXIT.damaged : EXIT.ok;
    }),
  );
}

export async function extractCommand(
  image: string,
  paths: string[],
  flags: BrowseFlags & { force?: boolean },
): Promise<number> {
  if (paths.length < 2) {
    throw new SpillwayError(
      'usage',
      'Name what to copy and the folder to copy it into, for example: ' +
        'spillway extract disk.img.zst 2:/home/me/Photos ./restored',
    );
  }
  const destination = paths.at(-1)!;
  const items = paths.slice(0, -1).map(imagePathArgument);
  const io = jobIO({ json: flags.json });
  try {
    const result = await extract(
      {
        image,
        items,
        destination,
        replace: flags.force ?? false,
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        ...(flags.ssh ? { ssh: flags.ssh } : {}),
        ...(flags.age ? { age: flags.age } : {}),
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) process.stderr.write(describeExtract(result));
    return result.failedCount > 0 ? EXIT.damaged : EXIT.ok;
  } catch (error) {
    throw withCliHint(
      error,
      items.some((item) => item.partition === null),
    );
  } finally {
    io.dispose();
  }
}

function describeExtract(result: ExtractResult): string {
  const made = [
    `${result.files} file${result.files === 1 ? '' : 's'} (${formatBytes(result.bytes)})`,
    `${result.folders} folder${result.folders === 1 ? '' : 's'}`,
    result.symlinks > 0 ? `${result.symlinks} symlink${result.symlinks === 1 ? '' : 's'}` : null,
  ].filter(Boolean);
  const lines = [
    `Copied ${made.join(', ')} into ${result.destination} in ${formatDuration(result.seconds)} ` +
      `(${result.framesDecoded} frame${result.framesDecoded === 1 ? '' : 's'} of the image decoded).`,
  ];
  if (result.skipped > 0) {
    lines.push(`${result.skipped} device, pipe or socket entries were not copied.`);
  }
  if (result.failedCount > 0) {
    lines.push(
      `${result.failedCount} entr${result.failedCount === 1 ? 'y' : 'ies'} could not be read from the image:`,
      ...result.failed.map((f) => `  ${f.path}: ${f.reason}`),
    );
    if (result.failedCount > result.failed.length) {
      lines.push(`  … and ${result.failedCount - result.failed.length} more`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A usage error met where a path was given without its partition's number (`unnumbered`):
 * its next step is to write the place in full. Other errors carry their own remedy.
 */
export function withCliHint(error: unknown, unnumbered = false): unknown {
  if (!(error instanceof SpillwayError) || error.remedy || !unnumbered) return error;
  if (error.code !== 'usage') return error;
  return new SpillwayError(error.code, error.message, {
    facts: error.facts,
    remedy: 'name-image-place',
    cause: error,
  });
}
