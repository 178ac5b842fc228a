import { describe, expect, it } from 'vitest';
import { imageKindOf } from './image-kind.js';

describe('image kind', () => {
  it('knows compressed formats by their first bytes, whatever the name', () => {
    expect(imageKindOf(Buffer.from('28b52ffd04', 'hex'), 'x')).toBe('zstd');
    expect(imageKindOf(Buffer.from('5b2a4d1808000000', 'hex'), 'x')).toBe('zstd');
    expect(imageKindOf(Buffer.from('1f8b0800', 'hex'), 'x')).toBe('gzip');
    expect(imageKindOf(Buffer.from('fd377a585a00', 'hex'), 'x')).toBe('xz');
    expect(imageKindOf(Buffer.from('04224d18', 'hex'), 'x')).toBe('lz4');
  });

  it('takes other bytes as a plain image only when the name says so', () => {
    const mbr = Buffer.from('eb6390', 'hex');
    expect(imageKindOf(mbr, 'disk.img')).toBe('raw');
    expect(imageKindOf(mbr, 'disk.IMG')).toBe('raw');
    expect(imageKindOf(mbr, 'disk.img.zst')).toBeNull();
  });
});
