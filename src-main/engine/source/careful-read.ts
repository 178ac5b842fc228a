// Reading a failing drive (what `dd conv=noerror,sync` does, but recorded): a read that fails
// with an I/O error is retried, then narrowed by halves down to a page (the smallest read
// through the page cache); a page that stays unreadable is scraped sector by sector with
// direct reads (the page cache fails whole pages, sometimes more, around one bad sector), and
// what stays unreadable is filled with zeros and recorded as a bad range. Before narrowing, the drive is probed: a drive that no
// longer answers at all (unplugged, dead) ends the job at once instead of being "read" as
// gigabytes of bad sectors.
//
// Narrowing has the drive to itself: the block layer merges neighbouring reads into one
// request, and one that touches a bad sector fails for every page in it, so a read of a good
// page next to another frame's bad one would fail too.

import type { ByteRange } from '../../../src-shared/manifest.js';
import { formatBytes } from '../../../src-shared/units.js';
import { SpillwayError } from '../errors.js';
import { RwLock } from '../async/rw-lock.js';
import type { DirectRead } from '../device/direct-read.js';
import { normalize } from '../ranges.js';

export type OnReadError = 'skip' | 'stop';

/** The smallest read through the page cache. */
export const READ_UNIT = 4096;
/** Pages scraped sector by sector, at most (beyond that, bad ranges stay whole pages). */
const MAX_SCRAPED_PAGES = 4096;

export interface CarefulReadOptions {
  /** Reads into target from position; returns bytes read (short only at the end). */
  read(target: Uint8Array, position: number): Promise<number>;
  /** What to say in messages ("/dev/sdb"). */
  path: string;
  policy: OnReadError;
  /** Whether the drive still answers (see device/probe.ts), asked after a read error. */
  answers(knownGood: number): Promise<boolean>;
  /** Reads sectors without the page cache (device/direct-read.ts); absent: pages only. */
  direct?(offset: number, length: number): Promise<DirectRead>;
  sectorSize: number;
  /** Told of each range given up on (zero-filled). */
  onBadRange?(range: ByteRange): void;
}

const GONE_CODES = new Set(['ENXIO', 'ENODEV', 'ENOENT']);

function isReadFailure(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EIO';
}

export class CarefulReader {
  private readonly bad: ByteRange[] = [];
  private knownGood = 0;
  private probedAt = -Infinity;
  private readonly lock = new RwLock();
  private scrapedPages = 0;
  private directWorks = true;

  constructor(private readonly options: CarefulReadOptions) {}

  /** Every range that could not be read, merged and sorted. */
  badRanges(): ByteRange[] {
    return normalize(this.bad);
  }

  /** Fills `target` with the bytes at `position`, or zeros where they cannot be read. */
  async readRange(target: Uint8Array, position: number): Promise<void> {
    const ok = await this.lock.withShared(async () => {
      try {
        await this.readExact(target, position);
        this.knownGood = position;
        return true;
      } catch (error) {
        this.rethrowUnlessBadSector(error, position);
        return false;
      }
    });
    if (!ok) await this.lock.withExclusive(() => this.recover(target, position));
  }

  private async recover(target: Uint8Array, position: number): Promise<void> {
    await this.ensureAnswering(position);
    if (this.options.policy === 'stop') {
      throw new SpillwayError(
        'read-error',
        `${this.options.path} could not be read at byte ${position}.`,
        { facts: { path: this.options.path, position }, remedy: 'skip-unreadable' },
      );
    }
    await this.narrow(target, position);
  }

  private async readExact(target: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < target.byteLength) {
      const got = await this.options.read(target.subarray(done), position + done);
      if (got === 0)
        throw new SpillwayError(
          'device-gone',
          `${this.options.path} ended at byte ${position + done}.`,
        );
      done += got;
    }
  }

  private rethrowUnlessBadSector(error: unknown, position: number): void {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (GONE_CODES.has(code)) throw this.gone(position);
    if (!isReadFailure(error)) throw error;
  }

  private gone(position: number): SpillwayError {
    return new SpillwayError(
      'device-gone',
      `${this.options.path} stopped answering at byte ${position}: it was unplugged or has failed.`,
      { facts: { path: this.options.path, position }, remedy: 'replug-and-resume' },
    );
  }

  /** A drive that reads nothing at all is gone, not failing: ask it, at most once a second. */
  private async ensureAnswering(position: number): Promise<void> {
    const now = performance.now();
    if (now - this.probedAt < 1000) return;
    if (!(await this.options.answers(this.knownGood))) throw this.gone(position);
    this.probedAt = performance.now();
  }

  /** Halves a failed range until the pieces read, or are one unit and stay unreadable. */
  private async narrow(target: Uint8Array, position: number): Promise<void> {
    if (target.byteLength <= READ_UNIT) {
      await this.lastTry(target, position);
      return;
    }
    // Split at a unit boundary so every piece is page-aligned after the first.
    const middle = position + target.byteLength / 2;
    const cut = Math.max(
      position + 1,
      Math.min(position + target.byteLength - 1, Math.ceil(middle / READ_UNIT) * READ_UNIT),
    );
    const pieces: Array<[Uint8Array, number]> = [
      [target.subarray(0, cut - position), position],
      [target.subarray(cut - position), cut],
    ];
    for (const [piece, at] of pieces) {
      try {
        await this.readExact(piece, at);
        this.knownGood = at;
      } catch (error) {
        this.rethrowUnlessBadSector(error, at);
        await this.ensureAnswering(at);
        await this.narrow(piece, at);
      }
    }
  }

  /** One unit: one more try, then sector by sector without the page cache, then zeros. */
  private async lastTry(target: Uint8Array, position: number): Promise<void> {
    try {
      await this.readExact(target, position);
      this.knownGood = position;
      return;
    } catch (error) {
      this.rethrowUnlessBadSector(error, position);
    }
    const sector = this.options.sectorSize;
    const aligned = position % sector === 0 && target.byteLength % sector === 0;
    if (
      this.options.direct &&
      this.directWorks &&
      aligned &&
      this.scrapedPages < MAX_SCRAPED_PAGES
    ) {
      this.scrapedPages++;
      await this.scrape(target, position);
      return;
    }
    this.giveUp(target, position);
  }

  /** Direct reads of halves down to single sectors; the sectors that fail are given up. */
  private async scrape(target: Uint8Array, position: number): Promise<void> {
    const result = await this.options.direct!(position, target.byteLength);
    if (result.ok) {
      target.set(result.data);
      return;
    }
    if (result.reason === 'unsupported') {
      this.directWorks = false;
      this.giveUp(target, position);
      return;
    }
    const sector = this.options.sectorSize;
    if (target.byteLength <= sector) {
      this.giveUp(target, position);
      return;
    }
    const half = Math.ceil(target.byteLength / sector / 2) * sector;
    await this.scrape(target.subarray(0, half), position);
    await this.scrape(target.subarray(half), position + half);
  }

  private giveUp(target: Uint8Array, position: number): void {
    target.fill(0);
    const range: ByteRange = [position, position + target.byteLength];
    this.bad.push(range);
    this.options.onBadRange?.(range);
  }
}

/** "12 KiB unreadable at byte 1048576" lines for the job's summary. */
export function describeBadRanges(ranges: ByteRange[], limit = 10): string[] {
  const lines = ranges
    .slice(0, limit)
    .map(([start, end]) => `${formatBytes(end - start)} unreadable at byte ${start}`);
  if (ranges.length > limit) lines.push(`…and ${ranges.length - limit} more ranges`);
  return lines;
}
