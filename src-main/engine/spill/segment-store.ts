// Frames that do not fit in memory, appended to segment files in the run's spill folder.
// A segment is deleted as soon as every frame in it has been read back, so the disk holds
// only the backlog, not everything that ever passed through.

import { open, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readFully, writeFully } from '../io/file-io.js';

interface Segment {
  path: string;
  handle: FileHandle;
  size: number;
  /** Frames stored in it and not read back yet. */
  live: number;
  /** No more frames will be appended. */
  sealed: boolean;
}

export interface Stored {
  segment: Segment;
  at: number;
  length: number;
}

export class SegmentStore {
  private current: Segment | null = null;
  private nextId = 0;
  bytesOnDisk = 0;
  peakBytes = 0;

  constructor(
    readonly dir: string,
    private readonly segmentBytes = 64 * 2 ** 20,
  ) {}

  /** Appends `data`; on failure (ENOSPC...) nothing of it stays on disk. */
  async append(data: Uint8Array): Promise<Stored> {
    const segment = this.current ?? (await this.newSegment());
    // Reserve the place first: a concurrent consumed() must not see the segment empty and
    // delete it while this write is under way.
    const at = segment.size;
    segment.size += data.byteLength;
    segment.live++;
    try {
      await writeFully(segment.handle, data, at);
    } catch (error) {
      segment.size = at;
      segment.live--;
      // Only tidies the segment: its size is already set back, so what a failed truncate
      // leaves is never read, and goes with the segment.
      await segment.handle.truncate(at).catch(() => {});
      throw error;
    }
    this.bytesOnDisk += data.byteLength;
    this.peakBytes = Math.max(this.peakBytes, this.bytesOnDisk);
    if (segment.size >= this.segmentBytes) {
      segment.sealed = true;
      this.current = null;
    }
    return { segment, at, length: data.byteLength };
  }

  async read(stored: Stored, target: Uint8Array): Promise<void> {
    const got = await readFully(
      stored.segment.handle,
      target.subarray(0, stored.length),
      stored.at,
    );
    if (got !== stored.length) throw new Error(`spill segment ${stored.segment.path} ended early`);
  }

  /** A stored frame was read back; its segment goes when nothing in it is needed. */
  async consumed(stored: Stored): Promise<void> {
    const segment = stored.segment;
    segment.live--;
    if (segment.live > 0) return;
    // The current segment is emptied too: start a fresh one on the next append.
    if (segment === this.current) this.current = null;
    this.bytesOnDisk -= segment.size;
    await segment.handle.close();
    await unlink(segment.path);
  }

  async dispose(): Promise<void> {
    // The folder is removed next, with the segment in it.
    await this.current?.handle.close().catch(() => {});
    this.current = null;
    await rm(this.dir, { recursive: true, force: true });
    this.bytesOnDisk = 0;
  }

  private async newSegment(): Promise<Segment> {
    const path = join(this.dir, `segment-${String(this.nextId++).padStart(6, '0')}`);
    const handle = await open(path, 'wx+', 0o600);
    this.current = { path, handle, size: 0, live: 0, sealed: false };
    return this.current;
  }
}
