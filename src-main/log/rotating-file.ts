// A log file that does not grow without end: past `maxBytes` it is renamed NAME.1 (NAME.1 to
// NAME.2, …) and a new one started, and only `keep` files are kept in all. Lines are appended
// synchronously: there are few of them (no line per frame), and the last one written before
// a crash is the one that matters.

import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogSink } from './logger.js';

export const LOG_FILE_MAX_BYTES = 4 * 2 ** 20;
export const LOG_FILES_KEPT = 3;

export interface RotatingFileOptions {
  maxBytes?: number;
  /** Files kept, the current one included (at least 1). */
  keep?: number;
}

/** The older copies of `path`, newest first: NAME.1, NAME.2, … */
export function rotatedNames(path: string, keep: number): string[] {
  return Array.from({ length: Math.max(0, keep - 1) }, (_, i) => `${path}.${i + 1}`);
}

export function rotatingFile(path: string, options: RotatingFileOptions = {}): LogSink {
  const maxBytes = options.maxBytes ?? LOG_FILE_MAX_BYTES;
  const older = rotatedNames(path, options.keep ?? LOG_FILES_KEPT);
  let size: number | null = null;
  let broken = false;

  const rotate = () => {
    if (older.length === 0) {
      rmSync(path, { force: true });
      return;
    }
    rmSync(older[older.length - 1]!, { force: true });
    for (let i = older.length - 1; i > 0; i--) renameIfThere(older[i - 1]!, older[i]!);
    renameIfThere(path, older[0]!);
  };

  return {
    write(line) {
      if (broken) return;
      try {
        if (size === null) {
          mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
          size = sizeOf(path);
        }
        const bytes = Buffer.byteLength(line);
        if (size > 0 && size + bytes > maxBytes) {
          rotate();
          size = 0;
        }
        appendFileSync(path, line, { mode: 0o600 });
        size += bytes;
      } catch (error) {
        // The log cannot record its own failure: say it once where someone may see it, and
        // stop trying (the program itself goes on; a log must never be why it fails).
        broken = true;
        process.stderr.write(`spillway: cannot write the log ${path}: ${String(error)}\n`);
      }
    },
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // no log yet
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
