// Checking a backup's settings before anything is opened: a wrong value is a usage error
// with words, not a failure half-way.

import { ZSTD_LEVELS } from '../codecs/zstd-frame.js';
import { SpillwayError } from '../errors.js';
import { checkFrameSize } from '../frames/frame.js';
import type { AdaptiveRange } from './level-controller.js';

export function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < ZSTD_LEVELS.min || level > ZSTD_LEVELS.max) {
    throw new SpillwayError(
      'usage',
      `zstd levels go from ${ZSTD_LEVELS.min} to ${ZSTD_LEVELS.max}.`,
    );
  }
}

export function checkAdaptiveRange(range: AdaptiveRange): void {
  checkLevel(range.min);
  checkLevel(range.max);
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
