// Read-back after a restore: every byte written is read again from the target and compared
// with what was written, through the XXH64 of each written range taken as it was written.
//
// The log keeps only those digests (8 bytes per range), not the bytes. It groups ranges by
// 4 MiB window of the drive, and read-back reads each window's span in one read: a
// fragmented filesystem's many small ranges would otherwise cost one read each. Writes that
// continue the range before them in its window extend it (its XXH64 taken incrementally), so
// a stream written in small blocks (256 KiB for images of other tools) costs one range per
// window, not one per block: 16 times less log, 6 MB instead of 100 MB for a 1 TB drive.

import { Xxh64 } from '@node-rs/xxhash';
import { settledLater } from '../async/settled-later.js';
import { frameXxh64 } from '../digest/frame-digests.js';
import { SpillwayError } from '../errors.js';
import type { Counters } from '../progress/progress-tracker.js';
import type { ByteRange } from '../ranges.js';
import type { RestoreTarget } from './restore-target.js';

const WINDOW = 4 * 2 ** 20;
const READ_AHEAD = 4;

/** One window of the drive: the span to read, and the written ranges in it. */
interface Window {
  span: ByteRange;
  ranges: Array<{ range: ByteRange; xxh64: bigint }>;
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

  /** The windows, each as the span to read and its ranges with their digests. */
  *windows(): Generator<Window> {
    for (let w = 0; w < this.windowFirst.length; w++) {
      const first = this.windowFirst[w]!;
      const next = this.windowFirst[w + 1] ?? this.starts.length;
      const ranges: Window['ranges'] = [];
      for (let i = first; i < next; i++) {
        ranges.push({
          range: [this.starts[i]!, this.ends[i]!],
          xxh64: this.digests[i]!,
        });
      }
      yield { span: [this.starts[first]!, this.ends[next - 1]!], ranges };
    }
  }
}

export interface ReadBackInput {
  target: RestoreTarget;
  log: WrittenLog;
  counters: Counters;
  signal: AbortSignal;
}

/** Reads every logged range back from the target; throws, naming the first that differs. */
export async function readBackAndCompare(input: ReadBackInput): Promise<void> {
  const { target, log, counters, signal } = input;
  const ring = Array.from({ length: READ_AHEAD + 1 }, () => Buffer.allocUnsafeSlow(WINDOW));
  const windows = log.windows();
  const inFlight: Array<Promise<{ buffer: Buffer; window: Window }>> = [];
  let slot = 0;
  const readNext = () => {
    const next = windows.next();
    if (next.done) return false;
    const window = next.value;
    const [start, end] = window.span;
    const buffer = ring[slot++ % ring.length]!.subarray(0, end - start);
    inFlight.push(settledLater(target.readInto(buffer, start).then(() => ({ buffer, window }))));
    return true;
  };
  try {
    while (inFlight.length < READ_AHEAD && readNext());
    while (inFlight.length > 0) {
      signal.throwIfAborted();
      const { buffer, window } = await inFlight.shift()!;
      const { span, ranges } = window;
      for (const { range, xxh64 } of ranges) {
        const bytes = buffer.subarray(range[0] - span[0], range[1] - span[0]);
        if (frameXxh64(bytes) !== xxh64) throw readBackError(target.description.path, range);
        counters.bytesRead += bytes.byteLength;
        counters.streamDone += bytes.byteLength;
      }
      readNext();
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}

export function readBackError(path: string, range: ByteRange): SpillwayError {
  return new SpillwayError(
    'readback-mismatch',
    `${path} did not read back what was written at bytes ${range[0]}–${range[1]}.`,
    { facts: { target: path }, remedy: 'try-another-drive' },
  );
}
