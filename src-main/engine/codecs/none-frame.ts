// none: the drive's bytes as they are, a plain .img. A frame of zeros is written as nothing
// at all (a hole: the image file is sparse). The index records each frame's CRC32, so verify
// still names a damaged frame.

import { crc32 } from 'node:zlib';
import { CODEC_INFO } from './codec-info.js';
import { checkChecksum, type FrameCodec } from './frame-codec.js';

function isZero(bytes: Uint8Array): boolean {
  // Whole words at a time where the view is aligned (slots are), bytes for the rest.
  const words = bytes.byteOffset % 4 === 0 ? Math.floor(bytes.byteLength / 4) : 0;
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
  for (let i = 0; i < words; i++) if (view[i] !== 0) return false;
  for (let i = words * 4; i < bytes.byteLength; i++) if (bytes[i] !== 0) return false;
  return true;
}

export function createNoneFrameCodec(): FrameCodec {
  return {
    name: 'none',
    bound: CODEC_INFO.none.bound,
    compress(input, _level, output) {
      const checksum = crc32(input);
      if (isZero(input)) return { length: 0, checksum };
      output.set(input);
      return { length: input.byteLength, checksum };
    },
    decompress(input, output, checksum) {
      output.set(input);
      checkChecksum('none', crc32(output), checksum);
    },
  };
}
