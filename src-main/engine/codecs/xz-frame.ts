// xz: each frame is one xz stream holding one block (concatenated streams are a valid .xz
// file, and each stream's own index gives random access), through node-liblzma (system
// liblzma, N-API). xz checks each block with its own CRC64, so the index records no checksum.
// Memory: liblzma's encoder needs ~93 MiB per thread at level 6, ~673 MiB at 9 (as xz does).

import { xzSync } from 'node-liblzma';
import { readXzIndexSync } from './xz-index.js';
import { CODEC_INFO } from './codec-info.js';
import { checkSize, FrameCorruptError, type FrameCodec } from './frame-codec.js';
import { xzDecodeInto } from './xz-decode-into.js';

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
      try {
        // The stream's own index says how much it holds: refuse before decoding anything if
        // that is not what ours says.
        checkSize('xz', readXzIndexSync(input).uncompressedSize, output.byteLength);
      } catch (error) {
        if (error instanceof FrameCorruptError) throw error;
        throw new FrameCorruptError(`xz: ${(error as Error).message}`);
      }
      xzDecodeInto(asBuffer(input), asBuffer(output));
    },
  };
}
