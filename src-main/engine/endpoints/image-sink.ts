// Where a backup's image bytes go, in order. A sink either commits (the image appears under
// its final name, complete and synced) or aborts (nothing is left behind).

import type { SealedDigestRecord } from '../../../src-shared/manifest.js';

export interface ImageSink {
  /** The final name ("disk.img.zst", or "-" for stdout). */
  readonly name: string;
  readonly bytesWritten: number;
  write(bytes: Uint8Array): Promise<void>;
  /** Appends `length` zero bytes: a hole in a file (sparse, nothing stored), real zeros in a
   *  stream. Uncompressed images skip their all-zero frames this way. */
  skip(length: number): Promise<void>;
  commit(): Promise<void>;
  /** Removes what was written; safe to call more than once and after a failed write. */
  abort(): Promise<void>;
  /**
   * After a failure: keeps what was written under its "incomplete" name (which restore
   * refuses and `backup --resume` continues) and returns that name; null when it cannot.
   */
  keepPartial(): Promise<string | null>;
  /** Free bytes on the destination volume, or null when that has no meaning (stdout). */
  freeSpace(): Promise<number | null>;
  /**
   * An encrypting sink only (age/sink.ts): the digest of every whole payload chunk written so
   * far, for the manifest written next. Asked for once.
   */
  sealedDigest?(): Promise<SealedDigestRecord>;
}
