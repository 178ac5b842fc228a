import { describe, expect, it } from 'vitest';
import { endSentence } from './sentence.js';

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
