import { describe, expect, it } from 'vitest';
import {
  chosen,
  coveredByFolder,
  extractItems,
  searchPattern,
  selectionWords,
  summarize,
  toggle,
  type Selection,
  type Ticked,
} from './browse-selection.js';

const file = (partition: number, path: string, size: number): Ticked => ({
  partition,
  path,
  kind: 'file',
  size,
});
const folder = (partition: number, path: string): Ticked => ({
  partition,
  path,
  kind: 'folder',
  size: 4096,
});

describe('what is ticked in an image', () => {
  it('a ticked folder covers what is under it, in its partition only', () => {
    let s: Selection = {};
    s = toggle(s, folder(2, '/docs'));
    expect(coveredByFolder(s, 2, '/docs/a/b.txt')).toBe(true);
    expect(coveredByFolder(s, 2, '/docs')).toBe(false);
    expect(coveredByFolder(s, 2, '/docsx/b.txt')).toBe(false);
    expect(coveredByFolder(s, 1, '/docs/b.txt')).toBe(false);
    expect(coveredByFolder(toggle(s, folder(2, '/')), 2, '/x')).toBe(true);
  });

  it('copies a file under a ticked folder once, and counts only ticked files’ bytes', () => {
    let s: Selection = {};
    s = toggle(s, folder(2, '/docs'));
    s = toggle(s, file(2, '/docs/a.txt', 10));
    s = toggle(s, file(1, '/b.bin', 300));
    s = toggle(s, file(2, '/c.bin', 5));
    expect(chosen(s).map((t) => `${t.partition}:${t.path}`)).toEqual([
      '1:/b.bin',
      '2:/c.bin',
      '2:/docs',
    ]);
    expect(summarize(s)).toEqual({ files: 2, folders: 1, fileBytes: 305 });
    expect(selectionWords(summarize(s))).toBe('2 files and 1 folder');
    expect(extractItems(s)).toEqual([
      { partition: 1, path: '/b.bin' },
      { partition: 2, path: '/c.bin' },
      { partition: 2, path: '/docs' },
    ]);
  });

  it('ticking again unticks', () => {
    const s = toggle(toggle({}, file(1, '/a', 1)), file(1, '/a', 1));
    expect(chosen(s)).toEqual([]);
    expect(selectionWords(summarize(s))).toBe('nothing');
  });

  it('plain words search inside names; patterns are kept as typed', () => {
    expect(searchPattern('  letter ')).toBe('*letter*');
    expect(searchPattern('*.jpg')).toBe('*.jpg');
    expect(searchPattern('photos/**')).toBe('photos/**');
    expect(searchPattern('a\\b')).toBe('*a\\\\b*');
    expect(searchPattern('   ')).toBeNull();
  });
});
