// Where an encrypted image goes: an ImageSink over another (a file, parts, stdout, another
// machine) that writes an age file around what it is given. The header goes first; the
// bytes are cut into 64 KiB chunks, each sealed as it fills; a full chunk waits until more
// bytes come, since only commit knows which chunk is the last (its nonce says so).

import type { ImageSink } from '../image-sink.js';
import type { SealedStart } from './age-header.js';
import { CHUNK_SIZE, SEALED_CHUNK_SIZE, sealChunk, sealChunkInto } from './payload-chunks.js';

export async function encryptingSink(inner: ImageSink, start: SealedStart): Promise<ImageSink> {
  await inner.write(start.prefix);
  return new EncryptingSink(inner, start.key);
}

class EncryptingSink implements ImageSink {
  private readonly chunk = Buffer.alloc(CHUNK_SIZE);
  private filled = 0;
  private index = 0;

  constructor(
    private readonly inner: ImageSink,
    private readonly key: Buffer,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** Bytes of the age file written so far (header, nonce, sealed chunks). */
  get bytesWritten(): number {
    return this.inner.bytesWritten;
  }

  async write(bytes: Uint8Array): Promise<void> {
    // Sealed straight into one buffer for the whole write (a frame: many chunks), and from
    // the bytes given where a whole chunk of them is followed by more: copies and garbage
    // cost more than the cipher here (measured).
    const most = Math.ceil((this.filled + bytes.byteLength) / CHUNK_SIZE);
    const out = Buffer.allocUnsafe(most * SEALED_CHUNK_SIZE);
    let written = 0;
    let at = 0;
    while (at < bytes.byteLength) {
      if (this.filled === CHUNK_SIZE) {
        sealChunkInto(this.key, this.index++, false, this.chunk, out.subarray(written));
        written += SEALED_CHUNK_SIZE;
        this.filled = 0;
      }
      if (this.filled === 0 && bytes.byteLength - at > CHUNK_SIZE) {
        const plain = bytes.subarray(at, at + CHUNK_SIZE);
        sealChunkInto(this.key, this.index++, false, plain, out.subarray(written));
        written += SEALED_CHUNK_SIZE;
        at += CHUNK_SIZE;
        continue;
      }
      const n = Math.min(CHUNK_SIZE - this.filled, bytes.byteLength - at);
      this.chunk.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
    }
    if (written > 0) await this.inner.write(out.subarray(0, written));
  }

  /** Zeros are encrypted like any bytes: an encrypted file has no holes. */
  async skip(length: number): Promise<void> {
    const zeros = Buffer.alloc(Math.min(length, 1024 * 1024));
    for (let left = length; left > 0; left -= zeros.byteLength) {
      await this.write(zeros.subarray(0, Math.min(left, zeros.byteLength)));
    }
  }

  async commit(): Promise<void> {
    await this.inner.write(
      sealChunk(this.key, this.index, true, this.chunk.subarray(0, this.filled)),
    );
    await this.inner.commit();
  }

  abort(): Promise<void> {
    return this.inner.abort();
  }

  keepPartial(): Promise<string | null> {
    return this.inner.keepPartial();
  }

  freeSpace(): Promise<number | null> {
    return this.inner.freeSpace();
  }
}
