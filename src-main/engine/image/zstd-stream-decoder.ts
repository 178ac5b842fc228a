// Sequential zstd decoding (images made by `dd | zstd`) on decompression contexts that are
// reused. A context holds native memory (its window, up to the frame's window size) that V8
// cannot see; contexts made per stream and left to the garbage collector piled up by the
// gigabyte when many images were opened (inspect, verify, the fuzz test). Here they go back to
// a small pool when a stream ends.

import { Transform, type TransformCallback } from 'node:stream';
import binding from 'zstd-napi/binding.js';

const idle: InstanceType<typeof binding.DCtx>[] = [];
const KEEP = 4;
const OUT = binding.dStreamOutSize();

function acquire() {
  return idle.pop() ?? new binding.DCtx();
}

function release(dctx: InstanceType<typeof binding.DCtx>): void {
  dctx.reset(binding.ResetDirective.sessionOnly);
  if (idle.length < KEEP) idle.push(dctx);
}

export class ZstdStreamDecoder extends Transform {
  private dctx: InstanceType<typeof binding.DCtx> | null = acquire();
  /** ZSTD_decompressStream's last hint: 0 once a frame is complete and flushed. */
  private pending = 0;
  private sawInput = false;
  /** The last call filled the output buffer: more output may be waiting inside. */
  private outputFull = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.sawInput ||= chunk.byteLength > 0;
      this.decode(chunk);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      // Only drain what may be waiting: a call with no input after a finished frame would
      // report the header size of a next frame, not the end of this one.
      if (this.outputFull) this.decode(Buffer.alloc(0));
      if (this.pending !== 0 || !this.sawInput) {
        throw new Error('the stream ended in the middle of a zstd frame (truncated)');
      }
      done();
    } catch (error) {
      done(error as Error);
    } finally {
      this.giveBack();
    }
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.giveBack();
    done(error);
  }

  private decode(input: Buffer): void {
    const dctx = this.dctx!;
    let at = 0;
    for (;;) {
      const out = Buffer.allocUnsafe(OUT);
      const [hint, produced, consumed] = dctx.decompressStream(out, input.subarray(at));
      if (consumed > 0 || produced > 0) this.pending = hint;
      this.outputFull = produced === OUT;
      at += consumed;
      if (produced > 0) this.push(out.subarray(0, produced));
      // More input to feed, or the output was full (more may be waiting inside): go on.
      if (at < input.byteLength || produced === OUT) continue;
      return;
    }
  }

  private giveBack(): void {
    if (this.dctx) release(this.dctx);
    this.dctx = null;
  }
}
