// The files the FAT and exFAT browse tests put on a volume: nested folders, long and non-ASCII
// names, empty files and an empty folder, a folder of hundreds of entries, files of awkward
// sizes (around sectors and clusters), times across the range FAT can hold, and optionally one
// large file. Content is pseudo-random from fixed seeds, so a failure is repeatable.

import { createHash } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomFile } from './fixtures.js';

export interface SourceTreeOptions {
  /** A floppy-sized tree (FAT12 on 1.44 MB): fewer and smaller files. */
  small?: boolean;
  /** Add big.bin of this many MiB. */
  bigMiB?: number;
  /** Names mtools 4.0.32 cannot write (emoji: it keeps the low 16 bits of the code point). */
  emoji?: boolean;
}

/** Bytes from a seed (SHA-256 in counter mode: quick enough for the small files). */
function bytesOf(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0, n = 0; at < length; at += 32, n++) {
    createHash('sha256').update(`${seed}/${n}`).digest().copy(out, at);
  }
  return out;
}

/** Times FAT and exFAT both hold (even seconds: FAT keeps two-second steps), local time. */
const TIMES = [
  new Date(1980, 0, 1, 0, 0, 0),
  new Date(1999, 11, 31, 23, 59, 58),
  new Date(2021, 2, 4, 5, 6, 8),
  new Date(2038, 0, 19, 3, 14, 8),
  new Date(2099, 11, 31, 23, 59, 58),
];

/** Writes the tree under `root` (which must not exist yet). */
export async function makeSourceTree(root: string, options: SourceTreeOptions = {}): Promise<void> {
  const files: Array<[string, number]> = [
    ['readme.txt', 1234],
    ['README-2.TXT', 99],
    ['Mixed Case Name.Txt', 10],
    ['.hidden', 7],
    ['empty.bin', 0],
    [`${'a long name '.repeat(17).trim()}.txt`, 300],
    ['Été à Paris.txt', 321],
    ['日本語のファイル名.txt', 4097],
    ['Ünïcödé Folder/naïve café.md', 2000],
    ['Ünïcödé Folder/Ελληνικά και русский.txt', 5],
    ['deep/a/b/c/d/e/deep.txt', 77],
    ['deep/a/empty', 0],
  ];
  if (options.emoji) files.push(['😀 smile 🎉.txt', 12], ['emoji 🗂️ folder/x.txt', 3]);
  const sizes = options.small
    ? [1, 511, 512, 513, 2047, 2049, 65537]
    : [1, 511, 512, 513, 4095, 4096, 4097, 65535, 65537, 1_000_003, 3 * 2 ** 20 + 17];
  for (const size of sizes) files.push([`sizes/size ${size}.bin`, size]);
  const many = options.small ? 120 : 300;
  for (let i = 0; i < many; i++) {
    files.push([`many/file number ${String(i).padStart(3, '0')}.txt`, (i * 37) % 700]);
  }
  for (const [path, size] of files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), bytesOf(path, size));
  }
  await mkdir(join(root, 'empty folder'));
  if (options.bigMiB) await randomFile(join(root, 'big.bin'), options.bigMiB * 2 ** 20, 'big');

  // Times last, folders after their files (writing into a folder changes its time), deepest
  // folders first.
  const folders = new Set<string>(['empty folder']);
  for (const [path] of files) {
    for (let up = dirname(path); up !== '.'; up = dirname(up)) folders.add(up);
  }
  const paths = [...files.map(([path]) => path), ...(options.bigMiB ? ['big.bin'] : [])];
  const byDepth = [...folders].sort((a, b) => b.split('/').length - a.split('/').length);
  let n = 0;
  for (const path of [...paths, ...byDepth]) {
    const time = TIMES[n++ % TIMES.length]!;
    await utimes(join(root, path), time, time);
  }
}
