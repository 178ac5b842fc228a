// What the rest of the engine needs to know about each codec without running it: its levels,
// the image's file name, and where the index and manifest live.

import {
  CODEC_EXTENSIONS,
  CODEC_LEVELS,
  type LevelRange,
} from '../../../src-shared/codec-facts.js';
import type { CodecName } from '../../../src-shared/manifest.js';

export interface CodecInfo {
  levels: LevelRange;
  /** The image file's extension ("disk.img.zst"). */
  extension: string;
  /** zstd and LZ4 keep index and manifest in skippable frames inside the image; the other
   *  formats have no room for them and keep them beside it, in <image>.spillway.json. */
  index: 'in-file' | 'sidecar';
  /** The most bytes one compressed frame of `size` bytes can take (output slots are this
   *  large; the codecs use the same bound). */
  bound(size: number): number;
}

/** ZSTD_COMPRESSBOUND from zstd.h. */
const zstdBound = (size: number) =>
  size + (size >> 8) + (size < 128 << 10 ? ((128 << 10) - size) >> 11 : 0);

export const CODEC_INFO: Record<CodecName, CodecInfo> = {
  zstd: {
    levels: CODEC_LEVELS.zstd,
    extension: CODEC_EXTENSIONS.zstd,
    index: 'in-file',
    bound: zstdBound,
  },
  lz4: {
    levels: CODEC_LEVELS.lz4,
    extension: CODEC_EXTENSIONS.lz4,
    index: 'in-file',
    // LZ4's worst case (n + n/255 + 16) per block, plus the frame's header and trailer.
    bound: (size) => size + Math.ceil(size / 255) + 1024,
  },
  gzip: {
    levels: CODEC_LEVELS.gzip,
    extension: CODEC_EXTENSIONS.gzip,
    index: 'sidecar',
    // deflateBound plus the gzip header and trailer, with room to spare.
    bound: (size) => size + (size >> 10) + 1024,
  },
  xz: {
    levels: CODEC_LEVELS.xz,
    extension: CODEC_EXTENSIONS.xz,
    index: 'sidecar',
    // LZMA2 stores incompressible data in chunks with a few bytes each, plus headers.
    bound: (size) => size + (size >> 12) + 4096,
  },
  none: {
    levels: CODEC_LEVELS.none,
    extension: CODEC_EXTENSIONS.none,
    index: 'sidecar',
    bound: (size) => size,
  },
};
