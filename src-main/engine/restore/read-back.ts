// Read-back after a restore: every byte written is read again from the target and compared
// with what was written, through the XXH64 of each written range taken as it was written.
//
// The log keeps only those digests (8 bytes per range), not the bytes. It groups ranges by
// 4 MiB window of the drive, and read-back reads each window's span in one read: a
// fragmented filesystem's many small ranges would otherwise cost one read each. Writes that
// continue the range before them in its window extend it (its XXH64 taken incrementally), so
// a stream written in small blocks (256 KiB for images of other tools) costs one range per
// window, not one per block: 16 times less log, 6 MB instead of 100 MB for a 1 TB drive.
//
// Into a file the restore created, blocks of zeros are left as holes, not written; they are
// logged as written (their zeros are in the digest) and also as left as holes. Read-back does
// not read holes of HOLE_SKIP or more: a hole in a new file reads as zeros by definition, and
// reading one makes the kernel allocate and zero page-cache pages for it. For a 4 GiB disk
// with 0.5 GiB of holes, that first read took 1.4-1.8 s against 0.65 s without them
// (docs/benchmarks.md, 2026-12-06). Their zeros are put into the buffer instead.

import { Xxh64 } from '@node-rs/xxhash';
import { settledLater } from '../async/settled-later.js';
import { frameXxh64 } from '../digest/frame-digests.js';
import { SpillwayError } from '../errors.js';
import { pageAlignedBuffer } from '../io/page-aligned.js';
import type { Counters } from '../progress/progress-tracker.js';
import type { ByteRange } from '../ranges.js';
import type { RestoreTarget } from './restore-target.js';

const WINDOW = 4 * 2 ** 20;
const READ_AHEAD = 4;
/** Holes smaller than this are read like the bytes around them: one read instead of two. */
export const HOLE_SKIP = 64 * 2 ** 10;

/** One window of the drive: the span to read, the written ranges in it, its holes not read. */
interface Window {
  span: ByteRange;
  ranges: Array<{ range: ByteRange; xxh64: bigint }>;
  /** Parts of the span left as holes (zeros) in a new file, HOLE_SKIP or longer, in order. */
  holes: ByteRange[];
}

/** What a restore wrote, in order of position: ranges and their XXH64s, by window. */
export class WrittenLog {
  private starts: number[] = [];
  private ends: number[] = [];
  private digests = new BigUint64Array(1024);
  /** Where each window's ranges begin in the lists above, and which window it is. */
  private windowFirst: number[] = [];
  private windowIndex: number[] = [];
  /** Bytes written. */
  bytes = 0;
  /**
   * The XXH64 state of the last range, while it can still grow: it was hashed here (not given
   * a digest), and nothing has been logged after it. Null otherwise.
   */
  private growing: Xxh64 | null = null;
  private readonly hasher = new Xxh64(0n);
  /** Holes of HOLE_SKIP or longer, in order; the last may still grow, whatever its length. */
  private holeStarts: number[] = [];
  private holeEnds: number[] = [];

  /**
   * Records `data` as written at `position`; writes come in increasing positions. `digest`:
   * the XXH64 of all of `data`, when the caller already took it (used when `data` lies in
   * one window, as a whole frame of the default size does).
   */
  add(data: Uint8Array, position: number, digest?: bigint): void {
    const end = position + data.byteLength;
    for (let at = position; at < end;) {
      const window = Math.floor(at / WINDOW);
      const upTo = Math.min(end, (window + 1) * WINDOW);
      const piece = data.subarray(at - position, upTo - position);
      const last = this.windowIndex.at(-1);
      const lastEnd = this.ends.at(-1);
      if (last === undefined || window > last) {
        this.windowFirst.push(this.starts.length);
        this.windowIndex.push(window);
      } else if (window < last || at < lastEnd!) {
        throw new Error('restore writes must come in increasing positions');
      } else if (this.growing && at === lastEnd) {
        // Continues the last range in the same window: that range grows.
        const n = this.starts.length - 1;
        this.ends[n] = upTo;
        this.digests[n] = this.growing.update(piece).digest();
        at = upTo;
        continue;
      }
      const n = this.starts.length;
      if (n === this.digests.length) {
        const grown = new BigUint64Array(n * 2);
        grown.set(this.digests);
        this.digests = grown;
      }
      this.starts.push(at);
      this.ends.push(upTo);
      const whole = at === position && upTo === end;
      if (whole && digest !== undefined) {
        this.digests[n] = digest;
        this.growing = null;
      } else {
        this.hasher.reset(0n);
        this.digests[n] = this.hasher.update(piece).digest();
        this.growing = this.hasher;
      }
      at = upTo;
    }
    this.bytes += data.byteLength;
  }

  /**
   * Records [start, end), also logged by add(), as left unwritten: a hole in a file this
   * restore created, which reads as zeros. Holes come in increasing positions.
   */
  leftAsHole(start: number, end: number): void {
    const n = this.holeEnds.length;
    if (n > 0 && this.holeEnds[n - 1] === start) {
      this.holeEnds[n - 1] = end;
      return;
    }
    // The last hole can grow no more: kept only if long enough to be worth a second read.
    if (n > 0 && this.holeEnds[n - 1]! - this.holeStarts[n - 1]! < HOLE_SKIP) {
      this.holeStarts.pop();
      this.holeEnds.pop();
    }
    this.holeStarts.push(start);
    this.holeEnds.push(end);
  }

  /** The windows, each as the span to read and its ranges with their digests. */
  *windows(): Generator<Window> {
    const holes = { next: 0 };
    for (let w = 0; w < this.windowFirst.length; w++) yield this.window(w, holes);
  }

  /**
   * The windows as the writes behind them settle: each once `writes` has passed its end and
   * a later window has begun (so nothing more is logged in it), the rest once the writes are
   * done. Ends early when the writes were abandoned.
   */
  async *windowsAsWritten(writes: WriteMark): AsyncGenerator<Window> {
    const holes = { next: 0 };
    for (let w = 0; ;) {
      if (writes.abandoned) return;
      const logged = w < this.windowFirst.length;
      if (!logged && writes.done) return;
      const settled =
        writes.done ||
        (w + 1 < this.windowFirst.length &&
          writes.upTo >= this.ends[this.windowFirst[w + 1]! - 1]!);
      if (logged && settled) yield this.window(w++, holes);
      else await writes.moved();
    }
  }

  /** Window `w`; `holes.next`: the first hole not behind it (windows are asked in order). */
  private window(w: number, holes: { next: number }): Window {
    const first = this.windowFirst[w]!;
    const next = this.windowFirst[w + 1] ?? this.starts.length;
    const ranges: Window['ranges'] = [];
    for (let i = first; i < next; i++) {
      ranges.push({
        range: [this.starts[i]!, this.ends[i]!],
        xxh64: this.digests[i]!,
      });
    }
    const span: ByteRange = [this.starts[first]!, this.ends[next - 1]!];
    // Holes before this span are behind every later one too. The last hole is never passed:
    // while the log grows, a short one may still be replaced.
    while (holes.next < this.holeEnds.length - 1 && this.holeEnds[holes.next]! <= span[0]) {
      holes.next++;
    }
    const skipped: ByteRange[] = [];
    for (let h = holes.next; h < this.holeStarts.length && this.holeStarts[h]! < span[1]; h++) {
      const start = Math.max(span[0], this.holeStarts[h]!);
      const end = Math.min(span[1], this.holeEnds[h]!);
      if (end - start >= HOLE_SKIP) skipped.push([start, end]);
    }
    return { span, ranges, holes: skipped };
  }
}

/**
 * How far a restore's writes have settled (written, not only begun), for a read-back that
 * follows them. The writer moves it on; the reader waits for it to move.
 */
export class WriteMark {
  /** Every byte below this was written. */
  upTo = 0;
  done = false;
  abandoned = false;
  private wake: (() => void) | null = null;
  private waiting: Promise<void> | null = null;

  /** Writes below `position` have settled. */
  advance(position: number): void {
    this.upTo = Math.max(this.upTo, position);
    this.wakeUp();
  }

  /** Every write has settled: what is left is read. */
  finish(): void {
    this.done = true;
    this.wakeUp();
  }

  /** Writing failed: nothing more is read. */
  abandon(): void {
    this.abandoned = true;
    this.wakeUp();
  }

  /** Settles at the next change. */
  moved(): Promise<void> {
    return (this.waiting ??= new Promise((resolve) => (this.wake = resolve)));
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    this.waiting = null;
    wake?.();
  }
}

/** The parts of `span` to read: all of it but `holes` (in order, inside it). */
export function partsToRead(span: ByteRange, holes: readonly ByteRange[]): ByteRange[] {
  const parts: ByteRange[] = [];
  let at = span[0];
  for (const [start, end] of holes) {
    if (start > at) parts.push([at, start]);
    at = end;
  }
  if (at < span[1]) parts.push([at, span[1]]);
  return parts;
}

export interface ReadBackInput {
  target: RestoreTarget;
  log: WrittenLog;
  /** Bytes compared so far, as each range is. */
  onCompared(bytes: number): void;
  signal: AbortSignal;
  /** Follow these writes as they settle, instead of reading the finished log. */
  alongside?: WriteMark;
}

/** Reads every logged range back from the target; throws, naming the first that differs. */
export async function readBackAndCompare(input: ReadBackInput): Promise<void> {
  const { target, log, onCompared, signal } = input;
  const ring = Array.from({ length: READ_AHEAD + 1 }, () => pageAlignedBuffer(WINDOW));
  const windows: Iterator<Window> | AsyncIterator<Window> = input.alongside
    ? log.windowsAsWritten(input.alongside)
    : log.windows();
  const inFlight: Array<Promise<{ buffer: Buffer; window: Window }>> = [];
  let slot = 0;
  const startReading = (window: Window) => {
    const [start, end] = window.span;
    const buffer = ring[slot++ % ring.length]!.subarray(0, end - start);
    for (const [a, b] of window.holes) buffer.fill(0, a - start, b - start);
    const reads = partsToRead(window.span, window.holes).map(([a, b]) =>
      target.readInto(buffer.subarray(a - start, b - start), a),
    );
    inFlight.push(settledLater(Promise.all(reads).then(() => ({ buffer, window }))));
  };
  // The next window asked for and not yet given: alongside writes, it may be a while.
  let asked: Promise<IteratorResult<Window>> | null = null;
  let ended = false;
  try {
    for (;;) {
      // Reads start as windows come, up to READ_AHEAD at once; while waiting for a window,
      // a read already done is compared first.
      while (!ended && inFlight.length < READ_AHEAD) {
        asked ??= Promise.resolve(windows.next());
        const oldest = inFlight[0];
        const next = oldest ? await Promise.race([asked, oldest.then(() => null)]) : await asked;
        if (next === null) break;
        asked = null;
        if (next.done) ended = true;
        else startReading(next.value);
      }
      const read = inFlight.shift();
      if (!read) return;
      signal.throwIfAborted();
      const { buffer, window } = await read;
      const { span, ranges } = window;
      for (const { range, xxh64 } of ranges) {
        const bytes = buffer.subarray(range[0] - span[0], range[1] - span[0]);
        if (frameXxh64(bytes) !== xxh64) throw readBackError(target.description.path, range);
        onCompared(bytes.byteLength);
      }
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}

/** onCompared for a read-back that has the progress counters to itself. */
export function countCompared(counters: Counters): (bytes: number) => void {
  return (bytes) => {
    counters.bytesRead += bytes;
    counters.streamDone += bytes;
  };
}

export function readBackError(path: string, range: ByteRange): SpillwayError {
  return new SpillwayError(
    'readback-mismatch',
    `${path} did not read back what was written at bytes ${range[0]}–${range[1]}.`,
    { facts: { target: path }, remedy: 'try-another-drive' },
  );
}
