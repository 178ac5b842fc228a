// The compression sample in words: what was measured, on how many threads, and how much the
// runs varied; "about" only for a figure measured more than once (the middle of the runs).

import type { CompressionSample } from '../../src-shared/api.js';
import { withArticle } from '../../src-shared/sentence.js';
import { formatBytes, formatRate } from '../../src-shared/units.js';

export function estimateWords(sample: CompressionSample, expectedImage: number | null): string {
  const smaller = `${sample.ratio.toFixed(2)}× smaller`;
  const image = expectedImage !== null ? `: an image of about ${formatBytes(expectedImage)}` : '';
  const threads = `${sample.threads} thread${sample.threads === 1 ? '' : 's'}`;
  const what = withArticle(`${formatBytes(sample.sampled)} sample`);
  if (sample.runs === 0) {
    return `${what[0]!.toUpperCase()}${what.slice(1)} came out ${smaller}${image}; its speed could not be timed.`;
  }
  const [low, high] = sample.range;
  const rate =
    sample.runs === 1
      ? formatRate(sample.bytesPerSecond)
      : `about ${formatRate(sample.bytesPerSecond)} (${formatRate(low)} to ${formatRate(high)} over ${sample.runs} runs)`;
  return (
    `${what[0]!.toUpperCase()}${what.slice(1)} compressed at ${rate} on ${threads}, ` +
    `${smaller}${image}.`
  );
}
