// The live view's headline: one big percent and the time left in words, and none of it
// promised for a job that ended.

import { describe, expect, it } from 'vitest';
import { headline, percentWords, timeLeftWords } from './headline.js';
import type { LiveStatus } from './job-view.js';

const status = (state: LiveStatus['state'], fraction: number | null): LiveStatus => ({
  state,
  line: '',
  fraction,
  showEta: state === 'running',
  written: 0,
  bottleneck: null,
  writes: true,
});

describe('the live view headline', () => {
  it('says how far as a whole percent, never 100% before the end', () => {
    expect(percentWords(0.427)).toBe('42%');
    expect(percentWords(0.999)).toBe('99%');
    expect(percentWords(1)).toBe('100%');
    expect(percentWords(null)).toBe('…');
  });

  it('says the time left in words', () => {
    expect(timeLeftWords(20)).toBe('Less than a minute left');
    expect(timeLeftWords(60)).toBe('About 1 minute left');
    expect(timeLeftWords(185)).toBe('About 3 minutes left');
    expect(timeLeftWords(3600)).toBe('About 1 h left');
    expect(timeLeftWords(4800)).toBe('About 1 h 20 min left');
    expect(timeLeftWords(null)).toBeNull();
  });

  it('gives time left only while running', () => {
    expect(headline(status('running', 0.5), 120)).toEqual({
      percent: '50%',
      timeLeft: 'About 2 minutes left',
    });
    expect(headline(status('done', 1), 120)).toEqual({ percent: '100%', timeLeft: null });
    expect(headline(status('failed', 0.3), 120)).toEqual({ percent: '30%', timeLeft: null });
  });
});
