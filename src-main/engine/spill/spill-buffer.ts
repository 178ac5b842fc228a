// The spill buffer: the frame queue between the reader and the compressors. Frames wait in a
// small memory queue; when it is full they are appended to segment files on disk (and their
// memory slot freed at once), so the reader keeps reading at the drive's speed while only the
// backlog (the difference in speeds) takes disk space. At the cap or the free-space floor the
// reader waits, which is plain backpressure. Frames come out in the order they went in.
//
// Without a segment store (--no-spill) it is a bounded memory queue and nothing more.

import { statfs } from 'node:fs/promises';
import type { SpillFigures } from '../../../src-shared/protocol/events.js';
import type { RawFrame } from '../frames/frame.js';
import type { SlotArena } from '../pool/slot-arena.js';
import type { FramePacker } from './frame-packer.js';
import type { SegmentStore, Stored } from './segment-store.js';
import { placeFrame, type SpillLimits } from './spill-policy.js';

type Entry =
  | { kind: 'memory'; frame: RawFrame }
  | {
      kind: 'disk';
      index: number;
      offset: number;
      stored: Stored;
      /** The frame's own length (the stored bytes may be compressed). */
      length: number;
      /** Stored compressed, with the codec's checksum; null: stored as it is. */
      packed: { checksum: number | null } | null;
      /** The frame holds only zeros (RawFrame.zeros). */
      zeros?: boolean;
    };

export interface SpillOptions {
  /** Where frames read back from disk are put. */
  arena: SlotArena;
  memoryFrames: number;
  /** null: never spill to disk. */
  store: SegmentStore | null;
  /** Store spilled frames compressed (--spill-compress). */
  packer?: FramePacker | null;
  limits: SpillLimits | null;
  signal: AbortSignal;
}

/** Disk-full errors: the spill stops growing instead of failing the job. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export class SpillBuffer {
  private readonly entries: Entry[] = [];
  private memoryFrames = 0;
  private closed = false;
  private failure: { error: unknown } | null = null;
  private waiters: Array<() => void> = [];
  private freeBytes = Infinity;
  private diskRefused = false;
  /** Where compressed frames are read back before they are decompressed into a slot. */
  private readBack: Uint8Array | null = null;
  /** Ends a wait for a memory slot when the buffer fails (nobody may release one again). */
  private readonly stop = new AbortController();
  private readonly acquireSignal: AbortSignal;

  /** Whether the compressors, busy on every core, are what the backlog waits for (see
   *  SpillState.codecBound); the backup sets it once its stages are measured. */
  codecBound: () => boolean = () => false;
  /** Whether the writer, on the spill folder's disk, is what the backlog waits for (see
   *  SpillState.writerOnSpillDisk); the backup sets it once it knows where both are. */
  writerOnSpillDisk: () => boolean = () => false;

  constructor(private readonly options: SpillOptions) {
    this.acquireSignal = AbortSignal.any([options.signal, this.stop.signal]);
  }

  /** Frames waiting, in memory and on disk. */
  get backlog(): number {
    return this.entries.length;
  }

  figures(): SpillFigures | null {
    const { store, limits } = this.options;
    if (!store || !limits) return null;
    return {
      bytes: store.bytesOnDisk,
      peak: store.peakBytes,
      cap: Number.isFinite(limits.cap) ? limits.cap : 0,
      free: Number.isFinite(this.freeBytes) ? this.freeBytes : null,
      frames: this.entries.length,
    };
  }

  async send(frame: RawFrame): Promise<void> {
    const { store, limits } = this.options;
    const bytes = frame.data.byteLength;
    for (;;) {
      this.throwIfFailed();
      if (this.closed) throw new Error('send on a closed spill buffer');
      let placement = placeFrame(bytes, this.state(), limits);
      if (placement !== 'memory' && limits) {
        // Free space changes (our segments are deleted, other programs write): measure it
        // whenever the disk is considered.
        await this.measureFree();
        this.throwIfFailed();
        placement = placeFrame(bytes, this.state(), limits);
      }
      if (placement === 'memory') {
        this.entries.push({ kind: 'memory', frame });
        this.memoryFrames++;
        this.notify();
        return;
      }
      if (placement === 'disk') {
        try {
          const packed = this.options.packer?.pack(frame.data) ?? null;
          const stored = await store!.append(packed ? packed.bytes : frame.data);
          this.throwIfFailed();
          this.options.arena.release(frame.slot);
          this.entries.push({
            kind: 'disk',
            index: frame.index,
            offset: frame.offset,
            stored,
            length: bytes,
            packed: packed?.compressed ? { checksum: packed.checksum } : null,
            ...(frame.zeros ? { zeros: true } : {}),
          });
          this.notify();
          return;
        } catch (error) {
          if (!DISK_FULL.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
          // Full after all (someone else wrote there): stop spilling until space comes back.
          this.diskRefused = true;
        }
      }
      await this.changed();
    }
  }

  /** The next frame in order, or undefined once closed and drained. */
  async receive(): Promise<RawFrame | undefined> {
    for (;;) {
      this.throwIfFailed();
      const entry = this.entries.shift();
      if (!entry) {
        if (this.closed) return undefined;
        await this.changed();
        continue;
      }
      if (entry.kind === 'memory') {
        this.memoryFrames--;
        this.notify();
        return entry.frame;
      }
      const { arena, store } = this.options;
      const slot = await arena.acquire(this.acquireSignal);
      const data = slot.bytes(entry.length);
      if (entry.packed) {
        // A compressed frame is smaller than the frame (else it is stored as it is).
        if (!this.readBack || this.readBack.byteLength < entry.stored.length) {
          this.readBack = new Uint8Array(Math.max(entry.stored.length, entry.length));
        }
        const stored = this.readBack.subarray(0, entry.stored.length);
        await store!.read(entry.stored, stored);
        this.options.packer!.unpack(stored, data, entry.packed.checksum);
      } else {
        await store!.read(entry.stored, data);
      }
      await store!.consumed(entry.stored);
      this.diskRefused = false;
      this.notify();
      return {
        index: entry.index,
        offset: entry.offset,
        slot,
        data,
        ...(entry.zeros ? { zeros: true } : {}),
      };
    }
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.entries.length = 0;
    this.memoryFrames = 0;
    this.stop.abort(error);
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RawFrame> {
    for (;;) {
      const frame = await this.receive();
      if (frame === undefined) return;
      yield frame;
    }
  }

  private state() {
    return {
      memoryFrames: this.memoryFrames,
      memoryCapacity: this.options.memoryFrames,
      bytesOnDisk: this.options.store?.bytesOnDisk ?? 0,
      freeBytes: this.freeBytes,
      diskRefused: this.diskRefused,
      codecBound: this.codecBound(),
      writerOnSpillDisk: this.writerOnSpillDisk(),
    };
  }

  private async measureFree(): Promise<void> {
    const store = this.options.store;
    if (!store) return;
    const fs = await statfs(store.dir);
    this.freeBytes = fs.bavail * fs.bsize;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Resolves at the next change. A failed buffer never changes again, and its one wake-up
   *  may have come while the caller was still awaiting something else (statfs, a segment
   *  write): waiting then would be forever, so it does not wait. */
  private changed(): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
