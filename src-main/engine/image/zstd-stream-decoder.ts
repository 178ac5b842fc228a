// Sequential zstd decoding (images made by `dd | zstd`), straight into the caller's blocks.
//
// Decoding goes into the block that will be written, at its next free byte, so each byte is
// produced once and copied never. The earlier path (a Transform pushing a fresh 128 KiB buffer
// per call, then copied into a block) spent 2.7 s of CPU per GiB where `zstd -dc` spends 1.2 s,
// mostly in first-touch page faults of buffers used once and in the copies; decoding into
// reused 4 MiB blocks takes 1.2 s per GiB here, the CLI's own time (measured, docs/benchmarks.md).
//
// A decompression context holds native memory (its window, up to the frame's window size)
// that V8 cannot see; contexts made per stream and left to the garbage collector piled up by
// the gigabyte when many images were opened (inspect, verify, the fuzz test). Here they go back
// to a small pool when a stream ends.

import binding from 'zstd-napi/binding.js';

type DCtx = InstanceType<typeof binding.DCtx>;

const idle: DCtx[] = [];
const KEEP = 4;

function acquire(): DCtx {
  return idle.pop() ?? new binding.DCtx();
}

function release(dctx: DCtx): void {
  dctx.reset(binding.ResetDirective.sessionOnly);
  if (idle.length < KEEP) idle.push(dctx);
}

/** A block filled up to `filled` bytes. */
export interface Filling {
  block: Buffer;
  filled: number;
}

export class ZstdBlockDecoder {
  private dctx: DCtx | null = acquire();
  /** ZSTD_decompressStream's last hint: 0 once a frame is complete and flushed. */
  private pending = 0;
  private sawInput = false;

  /**
   * Decodes from `input[at..]` into `out.block` from `out.filled`, until the input is used up
   * or the block is full. Returns where the input stopped; `out.filled` moves on. When the
   * block came back full, call again with the rest of the input (maybe none) and a new block:
   * more may be waiting inside the decoder.
   */
  decode(input: Buffer, at: number, out: Filling): number {
    const dctx = this.dctx;
    if (!dctx) throw new Error('the zstd decoder was already closed');
    this.sawInput ||= input.byteLength > at;
    for (;;) {
      const [hint, produced, consumed] = dctx.decompressStream(
        out.block.subarray(out.filled),
        input.subarray(at),
      );
      // A call with no input after a finished frame reports the header size of a next frame,
      // not the end of this one: only calls that moved something say where the stream is.
      if (consumed > 0 || produced > 0) this.pending = hint;
      at += consumed;
      out.filled += produced;
      if (out.filled === out.block.byteLength) return at;
      if (at >= input.byteLength) return at;
      if (consumed === 0 && produced === 0) return at; // cannot happen: zstd throws instead
    }
  }

  /** Throws when the stream ended in the middle of a frame (or held nothing). */
  end(): void {
    if (this.pending !== 0 || !this.sawInput) {
      throw new Error('the stream ended in the middle of a zstd frame (truncated)');
    }
  }

  close(): void {
    if (this.dctx) release(this.dctx);
    this.dctx = null;
  }
}
