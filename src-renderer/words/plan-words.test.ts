// Why a backup reads a drive or a partition whole, in the app's words: from codes and facts,
// never the engine's phrases ("…: read whole").

import { describe, expect, it } from 'vitest';
import type { Partition } from '../../src-shared/manifest.js';
import { copiedWholeBecause, readWholeSentence } from './plan-words.js';

const row = (change: Partial<Partition>): Partition => ({
  index: 1,
  start: 2 ** 20,
  size: 2 ** 30,
  type: '0x83',
  filesystem: null,
  mode: 'raw',
  ...change,
});

describe('why a backup reads whole', () => {
  it('says it of each cause of a whole drive', () => {
    expect(readWholeSentence({ cause: 'empty' })).toMatch(/^It holds 0 bytes/);
    expect(readWholeSentence({ cause: 'unrecognised' })).toMatch(/copies every byte\.$/);
    const distrusted = readWholeSentence({
      cause: 'distrusted',
      why: 'partitions 1 and 2 overlap',
    });
    expect(distrusted).toMatch(/partition table contradicts itself/);
    expect(distrusted).not.toContain('overlap');
  });

  it('says it of a partition copied whole, and nothing of one read by its used blocks', () => {
    expect(copiedWholeBecause(row({ mode: 'used', filesystem: 'ext4' }))).toBeNull();
    expect(copiedWholeBecause(row({ reason: 'no filesystem Spillway can read: read whole' }))).toBe(
      'no filesystem Spillway can read',
    );
    expect(copiedWholeBecause(row({ type: '0x05' }))).toBe('it holds the logical partitions');
    expect(copiedWholeBecause(row({ filesystem: 'ntfs' }))).toBe(
      'Spillway cannot tell which blocks its ntfs uses',
    );
  });
});
