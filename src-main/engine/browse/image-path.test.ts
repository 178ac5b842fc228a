import { describe, expect, it } from 'vitest';
import { childPath, normalPath, parseImagePath } from './image-path.js';

describe('paths inside an image', () => {
  it('reads the partition number and the path', () => {
    expect(parseImagePath('2:/docs/a.txt')).toEqual({ partition: 2, path: '/docs/a.txt' });
    expect(parseImagePath('2:docs//a.txt/')).toEqual({ partition: 2, path: '/docs/a.txt' });
    expect(parseImagePath('1:')).toEqual({ partition: 1, path: '/' });
    expect(parseImagePath('1:/a:b')).toEqual({ partition: 1, path: '/a:b' });
    expect(parseImagePath('/photos')).toEqual({ partition: null, path: '/photos' });
    expect(parseImagePath('/')).toEqual({ partition: null, path: '/' });
  });

  it('refuses what is not one', () => {
    expect(parseImagePath('docs/a.txt')).toBeNull();
    expect(parseImagePath('0:/')).toBeNull();
    expect(parseImagePath('x:/')).toBeNull();
    expect(parseImagePath('')).toBeNull();
  });

  it('joins and cleans paths', () => {
    expect(normalPath('')).toBe('/');
    expect(normalPath('/./a/../b')).toBe('/a/../b');
    expect(childPath('/', 'a')).toBe('/a');
    expect(childPath('/a', 'b')).toBe('/a/b');
  });
});
