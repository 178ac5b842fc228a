// One whole xz stream decoded straight into a buffer the caller lends (a shared slot), through
// node-liblzma's own native decoder. The package's unxzSync decodes into buffers of its own
// (1 MiB each at best), joins them into one new buffer, and that was then copied into the
// slot: two copies of every decoded byte and fresh memory per block, 5–8% of the CPU of
// decoding a 24 MiB block and 57 MiB of RSS in a restore (docs/benchmarks.md). The package
// has no public call that decodes into a given buffer, but each of its Unxz streams holds
// the native decoder (`lzma`, with the same codeSync its own unxzSync calls): that is used
// here, and checked to be there, so an upgrade that moves it fails loudly instead of
// decoding wrongly.

import {
  LZMA_BUF_ERROR,
  LZMA_FINISH,
  LZMA_OK,
  LZMA_STREAM_END,
  LZMAErrorMessage,
  LZMAStatus,
  Unxz,
} from 'node-liblzma';
import { checkSize, FrameCorruptError } from './frame-codec.js';

/** node-liblzma's native decoder, as lib/lzma.js drives it. */
interface NativeDecoder {
  /** Decodes from input[inOffset, inOffset + inLength) into output[outOffset...]:
   *  [liblzma's return code, input bytes left, output bytes left]. */
  codeSync(
    action: number,
    input: Buffer,
    inOffset: number,
    inLength: number,
    output: Buffer,
    outOffset: number,
  ): [number, number, number];
}

/** liblzma's words for a return code (its own table, as the package words its errors). */
export function lzmaMessage(code: number): string {
  const name = Object.entries(LZMAStatus).find(([, value]) => value === code)?.[0];
  const message = name ? (LZMAErrorMessage as Record<string, string>)[name] : undefined;
  return message ?? `liblzma error ${code}`;
}

function nativeDecoderOf(stream: Unxz): NativeDecoder {
  const native = (stream as unknown as { lzma?: Partial<NativeDecoder> }).lzma;
  if (typeof native?.codeSync !== 'function') {
    throw new Error('node-liblzma no longer exposes its decoder (Unxz.lzma.codeSync)');
  }
  return native as NativeDecoder;
}

/**
 * Decodes the xz stream(s) in `input` into `output`, which they must fill exactly: liblzma
 * checks each block (its check and sizes) and the index as it goes. Throws
 * FrameCorruptError when the data is damaged, cut short, or decodes to another size.
 */
export function xzDecodeInto(input: Buffer, output: Buffer): void {
  const stream = new Unxz();
  try {
    const native = nativeDecoderOf(stream);
    let inAt = 0;
    let outAt = 0;
    // One call normally does it all; liblzma may stop with the output full before it has
    // read the index and footer, so it is called again while that makes progress.
    for (;;) {
      const [code, inLeft, outLeft] = native.codeSync(
        LZMA_FINISH,
        input,
        inAt,
        input.byteLength - inAt,
        output,
        outAt,
      );
      const progressed =
        inLeft !== input.byteLength - inAt || outLeft !== output.byteLength - outAt;
      inAt = input.byteLength - inLeft;
      outAt = output.byteLength - outLeft;
      if (code === LZMA_STREAM_END) break;
      if (code === LZMA_OK && progressed) continue;
      if (code !== LZMA_OK && code !== LZMA_BUF_ERROR) {
        throw new FrameCorruptError(`xz: ${lzmaMessage(code)}`);
      }
      // No progress possible: either the output is full and the stream goes on, or the
      // input ended before the stream did.
      throw new FrameCorruptError(
        outAt === output.byteLength
          ? `xz: the frame holds more than the ${output.byteLength} bytes the index says`
          : `xz: the stream ends after ${outAt} of ${output.byteLength} bytes`,
      );
    }
    checkSize('xz', outAt, output.byteLength);
  } finally {
    stream.close();
  }
}
