// xz: each frame is one xz stream holding one block (concatenated streams are a valid .xz
// file, and each stream's own index gives random access), through node-liblzma (system
// liblzma, N-API). xz checks each block with its own CRC64, so the index records no checksum.
// Memory: liblzma's encoder needs ~93 MiB per thread at level 6, ~673 MiB at 9 (as xz does).

import { unxzSync, xzSync } from 'node-liblzma';
import { readXzIndexSync } from '../format/xz-index.js';
import { CODEC_INFO } from './codec-info.js';
import { checkSize, FrameCorruptError, type FrameCodec } from './frame-codec.js';

/** The binding's output buffers (8 KiB, C's BUFSIZ, by default): 1 MiB took a fifth less CPU decoding
 *  xz -T0's 24 MiB blocks (image/xz-blocks.ts) here. */
const DECODE_CHUNK = 2 ** 20;

const asBuffer = (view: Uint8Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

export function createXzFrameCodec(): FrameCodec {
  return {
    name: 'xz',
    bound: CODEC_INFO.xz.bound,
    compress(input, level, output) {
      const stream = xzSync(asBuffer(input), { preset: level });
      output.set(stream);
      return { length: stream.byteLength, checksum: null };
    },
    decompress(input, output) {
      let data: Buffer;
      try {
        // The stream's own index says how much it holds: refuse before decoding if that is
        // not what ours says, so a hostile frame cannot make the decoder allocate more.
        checkSize('xz', readXzIndexSync(input).uncompressedSize, output.byteLength);
        data = unxzSync(asBuffer(input), { chunkSize: DECODE_CHUNK });
      } catch (error) {
        if (error instanceof FrameCorruptError) throw error;
        throw new FrameCorruptError(`xz: ${(error as Error).message}`);
      }
      checkSize('xz', data.byteLength, output.byteLength);
      output.set(data);
    },
  };
}
