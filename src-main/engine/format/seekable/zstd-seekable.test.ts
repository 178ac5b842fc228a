import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createZstdFrameCodec, zstdFrameChecksum } from '../../codecs/zstd-frame.js';
import {
  encodeSeekTable,
  parseSeekFooter,
  parseSeekTable,
  SEEK_FOOTER_BYTES,
  spillwayFrame,
  spillwayFrameJson,
  spillwayFramePrefix,
  XXH64_EMPTY_LOW32,
} from './zstd-seekable.js';

const hasXxhsum = (() => {
  try {
    execFileSync('xxhsum', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function xxh64Low32(data: Buffer): number {
  const out = execFileSync('xxhsum', ['-H1'], { input: data }).toString();
  return parseInt(out.split(' ')[0]!.slice(-8), 16);
}

describe('zstd seekable format', () => {
  it('round-trips a seek table through its footer', () => {
    const entries = [
      { compressedSize: 100, decompressedSize: 0, checksum: XXH64_EMPTY_LOW32 },
      { compressedSize: 5000, decompressedSize: 4194304, checksum: 0xdeadbeef },
      { compressedSize: 77, decompressedSize: 1234, checksum: 1 },
    ];
    const table = encodeSeekTable(entries);
    const fileSize = 5177 + table.byteLength;
    const footer = parseSeekFooter(table.subarray(table.byteLength - SEEK_FOOTER_BYTES), fileSize);
    expect(footer).toEqual({ frameCount: 3, hasChecksums: true, tableBytes: table.byteLength });
    expect(parseSeekTable(table, footer!)).toEqual(entries);
  });

  it('refuses a footer whose frame count does not fit in the file', () => {
    const table = encodeSeekTable([{ compressedSize: 1, decompressedSize: 1, checksum: 0 }]);
    const footer = Buffer.from(table.subarray(table.byteLength - SEEK_FOOTER_BYTES));
    footer.writeUInt32LE(0xffffffff, 0);
    expect(() => parseSeekFooter(footer, 1000)).toThrow(/more than the file holds/);
  });

  it('recognises its own frames and nothing else', () => {
    const frame = spillwayFrame('SPWM', '{"a":1}');
    expect(spillwayFramePrefix(frame)).toEqual({ tag: 'SPWM', frameBytes: frame.byteLength });
    expect(spillwayFrameJson(frame)).toBe('{"a":1}');
    expect(spillwayFramePrefix(Buffer.from('28b52ffd0000000000000000', 'hex'))).toBeNull();
  });

  it.skipIf(!hasXxhsum)(
    'checksums are XXH64 of the frame bytes, as the format says (xxhsum)',
    () => {
      expect(xxh64Low32(Buffer.alloc(0))).toBe(XXH64_EMPTY_LOW32);
      const codec = createZstdFrameCodec();
      const data = Buffer.from('spillway '.repeat(100000));
      const out = Buffer.alloc(codec.bound(data.byteLength));
      const { length, checksum } = codec.compress(data, 3, out);
      expect(zstdFrameChecksum(out.subarray(0, length))).toBe(xxh64Low32(data));
      expect(checksum).toBe(xxh64Low32(data));
    },
  );
});
