// zstd frames through zstd-napi's low-level binding (libzstd 1.5.7, N-API: loads in Node and
// in Electron). Every frame carries its content size and its XXH64 checksum; the seekable
// format's per-frame checksum is the same value, read from the frame's last 4 bytes.

import binding from 'zstd-napi/binding.js';
import { FrameCorruptError, type FrameCodec } from './frame-codec.js';

export const ZSTD_LEVELS = { min: 1, max: 19, default: 3 } as const;

export function createZstdFrameCodec(): FrameCodec {
  const cctx = new binding.CCtx();
  const dctx = new binding.DCtx();
  cctx.setParameter(binding.CParameter.checksumFlag, 1);
  cctx.setParameter(binding.CParameter.contentSizeFlag, 1);
  let currentLevel = NaN;

  return {
    name: 'zstd',
    bound: (size) => binding.compressBound(size),
    compress(input, level, output) {
      if (level !== currentLevel) {
        cctx.setParameter(binding.CParameter.compressionLevel, level);
        currentLevel = level;
      }
      return cctx.compress2(output, input);
    },
    decompress(input, output) {
      let written: number;
      try {
        written = dctx.decompress(output, input);
      } catch (error) {
        throw new FrameCorruptError(`zstd: ${(error as Error).message}`);
      }
      if (written !== output.byteLength) {
        throw new FrameCorruptError(
          `zstd: frame holds ${written} bytes, the index says ${output.byteLength}`,
        );
      }
    },
  };
}

/** The frame's XXH64-based checksum (low 32 bits), stored in its last 4 bytes. */
export function zstdFrameChecksum(frame: Uint8Array): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return view.getUint32(frame.byteLength - 4, true);
}
