import { describe, expect, it } from 'vitest';
import { endSentence, withArticle } from './sentence.js';

describe('endSentence', () => {
  it('adds a full stop only where none is', () => {
    expect(endSentence('decoding stopped after 3999 bytes')).toBe(
      'decoding stopped after 3999 bytes.',
    );
    expect(endSentence('decoding stopped after 3999 bytes.')).toBe(
      'decoding stopped after 3999 bytes.',
    );
    expect(endSentence('is this an image? ')).toBe('is this an image?');
    expect(endSentence('read 1.5 MiB')).toBe('read 1.5 MiB.');
  });
});

describe('withArticle', () => {
  it('reads sizes as they are said', () => {
    expect(withArticle('8.00 MiB sample')).toBe('an 8.00 MiB sample');
    expect(withArticle('80.0 MiB sample')).toBe('an 80.0 MiB sample');
    expect(withArticle('11.0 GiB drive')).toBe('an 11.0 GiB drive');
    expect(withArticle('18,000 bytes')).toBe('an 18,000 bytes');
    expect(withArticle('1.00 MiB sample')).toBe('a 1.00 MiB sample');
    expect(withArticle('110 MiB sample')).toBe('a 110 MiB sample');
    expect(withArticle('128 KiB frame')).toBe('a 128 KiB frame');
    expect(withArticle('image')).toBe('an image');
    expect(withArticle('drive')).toBe('a drive');
  });
});
