// LZ4: one LZ4 frame per frame of the drive, with its content checksum (XXH32, the frame's
// last 4 bytes, which is also the frame's checksum in the index), through lz4-napi (lz4_flex,
// N-API). lz4_flex has one level (LZ4's fast one, as `lz4 -1`).

import lz4 from 'lz4-napi';
import { lz4FrameOutputBound } from '../format/lz4-frame-format.js';
import { CODEC_INFO } from './codec-info.js';
import {
  checkChecksum,
  checkSize,
  FrameCorruptError,
  trailerU32,
  type FrameCodec,
} from './frame-codec.js';

const asBuffer = (view: Uint8Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

export function createLz4FrameCodec(): FrameCodec {
  return {
    name: 'lz4',
    bound: CODEC_INFO.lz4.bound,
    compress(input, _level, output) {
      const frame = lz4.compressFrameSync(asBuffer(input), { contentChecksum: true });
      output.set(frame);
      return { length: frame.byteLength, checksum: trailerU32(frame, 4) };
    },
    decompress(input, output, checksum) {
      let data: Buffer;
      try {
        // The decoder allocates what the frame produces: bound it by the frame's own block
        // structure first, so a hostile frame cannot ask for gigabytes.
        if (lz4FrameOutputBound(input) > output.byteLength + 4 * 2 ** 20) {
          throw new FrameCorruptError('lz4: the frame holds more than the index says');
        }
        checkChecksum('lz4', trailerU32(input, 4), checksum);
        data = lz4.decompressFrameSync(asBuffer(input));
      } catch (error) {
        if (error instanceof FrameCorruptError) throw error;
        throw new FrameCorruptError(`lz4: ${(error as Error).message}`);
      }
      checkSize('lz4', data.byteLength, output.byteLength);
      output.set(data);
    },
  };
}
