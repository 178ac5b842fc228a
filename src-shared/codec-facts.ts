// What both sides know about each codec without running it: its compression levels (the
// engine checks --level against them, the UI draws its level control from them) and the
// image file's extension.

import type { CodecName } from './manifest.js';

export interface LevelRange {
  min: number;
  max: number;
  default: number;
}

export const CODEC_LEVELS: Record<CodecName, LevelRange> = {
  zstd: { min: 1, max: 19, default: 3 },
  lz4: { min: 1, max: 1, default: 1 },
  gzip: { min: 1, max: 9, default: 6 },
  xz: { min: 0, max: 9, default: 6 },
  none: { min: 0, max: 0, default: 0 },
};

/** The lowest and highest level of any codec: the bounds a level can have at all, before
 *  the chosen codec's own range is checked. */
export const ALL_LEVELS = {
  min: Math.min(...Object.values(CODEC_LEVELS).map((range) => range.min)),
  max: Math.max(...Object.values(CODEC_LEVELS).map((range) => range.max)),
};

/** The image file's extension ("disk.img.zst"). */
export const CODEC_EXTENSIONS: Record<CodecName, string> = {
  zstd: '.img.zst',
  lz4: '.img.lz4',
  gzip: '.img.gz',
  xz: '.img.xz',
  none: '.img',
};
