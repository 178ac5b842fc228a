import { describe, expect, it } from 'vitest';
import { compileGlob } from './glob.js';

describe('compileGlob', () => {
  const cases: Array<[pattern: string, text: string, matches: boolean, insensitive?: boolean]> = [
    ['*.jpg', 'IMG_1.jpg', true],
    ['*.jpg', 'IMG_1.JPG', false],
    ['*.jpg', 'IMG_1.JPG', true, true],
    ['*.jpg', 'a.jpg.bak', false],
    ['IMG_?.jpg', 'IMG_7.jpg', true],
    ['IMG_?.jpg', 'IMG_17.jpg', false],
    ['[ab]*', 'banana', true],
    ['[!ab]*', 'banana', false],
    ['[a-c]x', 'cx', true],
    ['[a-c]x', 'dx', false],
    ['a.b', 'axb', false],
    ['(1)+$', '(1)+$', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['[', '[', true],
    ['café*', 'Café.txt', true, true],
    ['Ünï*', 'ünïcødé', true, true],
    ['/docs/*.txt', '/docs/a.txt', true],
    ['/docs/*.txt', '/docs/old/a.txt', false],
    ['/docs/**.txt', '/docs/old/a.txt', true],
    ['**/*.txt', '/docs/a.txt', true],
  ];
  it.each(cases)('%s against %s: %s', (pattern, text, matches, insensitive = false) => {
    expect(compileGlob(pattern, insensitive).test(text)).toBe(matches);
  });

  it('matches paths when the pattern has a /, names otherwise', () => {
    expect(compileGlob('*.txt', false).matchesPaths).toBe(false);
    expect(compileGlob('/docs/*', false).matchesPaths).toBe(true);
  });
});
