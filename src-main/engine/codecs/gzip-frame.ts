// gzip: one member per frame (as pigz --independent and bgzip write them), through Node's
// zlib. A member ends with the CRC32 of its data: that is the frame's checksum.

import { gunzipSync, gzipSync } from 'node:zlib';
import { CODEC_INFO } from './codec-info.js';
import {
  checkChecksum,
  checkSize,
  FrameCorruptError,
  trailerU32,
  type FrameCodec,
} from './frame-codec.js';

const asBuffer = (view: Uint8Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

export function createGzipFrameCodec(): FrameCodec {
  return {
    name: 'gzip',
    bound: CODEC_INFO.gzip.bound,
    compress(input, level, output) {
      const member = gzipSync(asBuffer(input), { level });
      output.set(member);
      return { length: member.byteLength, checksum: trailerU32(member, 8) };
    },
    decompress(input, output, checksum) {
      if (input.byteLength < 18) throw new FrameCorruptError('gzip: the member is too short');
      checkChecksum('gzip', trailerU32(input, 8), checksum);
      let data: Buffer;
      try {
        // One byte more than expected is enough to tell "too long"; no more is allocated.
        data = gunzipSync(asBuffer(input), { maxOutputLength: output.byteLength + 1 });
      } catch (error) {
        throw new FrameCorruptError(`gzip: ${(error as Error).message}`);
      }
      checkSize('gzip', data.byteLength, output.byteLength);
      output.set(data);
    },
  };
}
