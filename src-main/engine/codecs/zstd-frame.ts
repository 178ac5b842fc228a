// zstd frames through zstd-napi's low-level binding (libzstd 1.5.7, N-API: loads in Node and
// in Electron). Every frame carries its content size and its XXH64 checksum; the seekable
// format's per-frame checksum is the same value, read from the frame's last 4 bytes.

import binding from 'zstd-napi/binding.js';
import { CODEC_INFO } from './codec-info.js';
import {
  checkChecksum,
  checkSize,
  FrameCorruptError,
  trailerU32,
  type FrameCodec,
} from './frame-codec.js';

export function createZstdFrameCodec(): FrameCodec {
  const cctx = new binding.CCtx();
  const dctx = new binding.DCtx();
  cctx.setParameter(binding.CParameter.checksumFlag, 1);
  cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
  let currentLevel = NaN;

  return {
    name: 'zstd',
    bound: CODEC_INFO.zstd.bound,
    compress(input, level, output) {
      if (level !== currentLevel) {
        cctx.setParameter(binding.CParameter.compressionLevel, level);
        currentLevel = level;
      }
      const length = cctx.compress2(output, input);
      return { length, checksum: zstdFrameChecksum(output.subarray(0, length)) };
    },
    decompress(input, output, checksum) {
      // Frame header descriptor bit 2: the frame carries its content checksum (foreign
      // seekable files may not); when it does, the index must repeat it.
      if (input.byteLength > 8 && (input[4]! & 0x04) !== 0) {
        checkChecksum('zstd', zstdFrameChecksum(input), checksum);
      }
      let written: number;
      try {
        written = dctx.decompress(output, input);
      } catch (error) {
        throw new FrameCorruptError(`zstd: ${(error as Error).message}`);
      }
      checkSize('zstd', written, output.byteLength);
    },
  };
}

/** The frame's XXH64-based checksum (low 32 bits), stored in its last 4 bytes. */
export function zstdFrameChecksum(frame: Uint8Array): number {
  return trailerU32(frame, 4);
}
