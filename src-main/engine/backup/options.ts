// Checking a backup's settings before anything is opened: a wrong value is a usage error
// with words, not a failure half-way.

import type { CodecName } from '../../../src-shared/manifest.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { SpillwayError } from '../errors.js';
import { checkFrameSize } from '../frames/frame.js';
import type { AdaptiveRange } from './level-controller.js';

export function checkLevel(codec: CodecName, level: number): void {
  const { min, max } = CODEC_INFO[codec].levels;
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new SpillwayError(
      'usage',
      min === max ? `${codec} has one level: ${min}.` : `${codec} levels go from ${min} to ${max}.`,
    );
  }
}

export function checkAdaptiveRange(codec: CodecName, range: AdaptiveRange): void {
  if (codec !== 'zstd') {
    // The other codecs' levels differ too much in speed and memory to switch between frames.
    throw new SpillwayError('usage', '--adapt works with zstd only.');
  }
  checkLevel(codec, range.min);
  checkLevel(codec, range.max);
  if (range.min > range.max) throw new SpillwayError('usage', '--adapt needs min ≤ max.');
}

export function checkFrameSizeOption(size: number): void {
  try {
    checkFrameSize(size);
  } catch (error) {
    throw new SpillwayError('usage', (error as Error).message);
  }
}

export function checkRate(rate: number | undefined): void {
  if (rate !== undefined && !(rate > 0)) {
    throw new SpillwayError('usage', '--max-write-rate must be a positive rate such as 100M.');
  }
}
