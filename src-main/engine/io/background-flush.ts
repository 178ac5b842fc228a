// Write-back started while a long write goes on. An image or a restored drive must be on the
// disk before the job says "done" (fsync at the end); asking the kernel to write back every
// FLUSH_EVERY bytes meanwhile spreads that work over the run — the disk writes while the
// cores compress or decompress — so the final fsync has little left to do (measured on a
// 1 GiB backup: the final fsync alone was 0.5 s of 3.7 s). It also keeps dirty pages from
// piling up in the page cache.

import type { FileHandle } from 'node:fs/promises';

const FLUSH_EVERY = 128 * 2 ** 20;

export class BackgroundFlush {
  private sinceFlush = 0;
  /** The write-back under way, at most one. */
  private flushing: Promise<void> | null = null;

  constructor(private readonly handle: FileHandle) {}

  /** Counts bytes written; starts a write-back (not awaited) every FLUSH_EVERY bytes. */
  written(bytes: number): void {
    this.sinceFlush += bytes;
    if (this.sinceFlush < FLUSH_EVERY || this.flushing) return;
    this.sinceFlush = 0;
    // A failure here shows again at the final fsync, which is awaited.
    this.flushing = this.handle
      .datasync()
      .catch(() => {})
      .finally(() => {
        this.flushing = null;
      });
  }

  /** Waits for a write-back under way, before the handle is synced or closed. */
  async settle(): Promise<void> {
    await this.flushing;
  }
}
