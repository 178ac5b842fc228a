// An image written as parts of a fixed size (--split, or automatically on FAT32): each part
// is a file sink of its own (NAME.NNN.incomplete, renamed when the whole image is complete),
// opened when the stream reaches it. Holes (sparse uncompressed images) may cross parts.

import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SpillwayError } from '../../errors.js';
import { freeBytesAt, openFileSink } from '../file/sink.js';
import type { ImageSink } from '../image-sink.js';
import { formatBytes } from '../../../../src-shared/units.js';
import { existingParts, locate, MAX_PARTS, partPath } from './part-names.js';

export async function openSplitSink(
  image: string,
  partSize: number,
  options: { force: boolean },
): Promise<ImageSink> {
  const stale = await existingParts(image);
  if (stale.size > 0 && !options.force) {
    throw new SpillwayError('destination-exists', `${partPath(image, 0)} already exists.`, {
      facts: { path: partPath(image, 0) },
      remedy: 'overwrite',
    });
  }
  return new SplitSink(image, partSize, options.force, [...stale.values()]);
}

class SplitSink implements ImageSink {
  bytesWritten = 0;
  private readonly parts: ImageSink[] = [];

  constructor(
    readonly name: string,
    private readonly partSize: number,
    private readonly force: boolean,
    /** Parts of an earlier image of the same name (--force): removed once ours are in place. */
    private readonly stale: string[],
  ) {}

  get partCount(): number {
    return this.parts.length;
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.spread(bytes.byteLength, (sink, from, length) =>
      sink.write(bytes.subarray(from, from + length)),
    );
  }

  skip(length: number): Promise<void> {
    return this.spread(length, (sink, _from, n) => sink.skip(n));
  }

  async commit(): Promise<void> {
    for (const part of this.parts) await part.commit();
    const ours = new Set(this.parts.map((_, i) => partPath(this.name, i)));
    // A longer image had more parts: left behind, `cat NAME.*` (and the parts read back as
    // one) would append them. One that cannot be removed fails the backup, naming it.
    for (const path of this.stale) {
      if (ours.has(path)) continue;
      await unlink(path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    }
  }

  async abort(): Promise<void> {
    for (const part of this.parts) await part.abort();
  }

  async keepPartial(): Promise<string | null> {
    // Resuming works on one file; a split backup starts again.
    await this.abort();
    return null;
  }

  freeSpace(): Promise<number | null> {
    return freeBytesAt(dirname(this.name));
  }

  /** Runs `step` for each piece of the next `length` bytes that falls in one part. */
  private async spread(
    length: number,
    step: (sink: ImageSink, from: number, length: number) => Promise<void>,
  ): Promise<void> {
    let done = 0;
    while (done < length) {
      const { part, offset } = locate(this.bytesWritten, this.partSize);
      const n = Math.min(length - done, this.partSize - offset);
      await step(await this.part(part), done, n);
      done += n;
      this.bytesWritten += n;
    }
  }

  private async part(index: number): Promise<ImageSink> {
    while (this.parts.length <= index) {
      if (this.parts.length >= MAX_PARTS) {
        throw new SpillwayError(
          'usage',
          `The image needs more than ${MAX_PARTS} parts of ${formatBytes(this.partSize)}.`,
          { facts: { parts: MAX_PARTS, partSize: this.partSize }, remedy: 'larger-parts' },
        );
      }
      this.parts.push(
        await openFileSink(partPath(this.name, this.parts.length), { force: this.force }),
      );
    }
    return this.parts[index]!;
  }
}
