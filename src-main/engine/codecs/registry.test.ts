// Codecs are loaded when first asked for, each with its own native library only: a worker
// that decodes zstd does not load lz4-napi or node-liblzma.

import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { frameCodec, frameCodecSettled, loadedFrameCodec } from './registry.js';

/** Whether a package's CommonJS entry is in this process's module cache. */
function packageLoaded(name: string): boolean {
  const cache = createRequire(import.meta.url).cache;
  return Object.keys(cache).some((path) => path.includes(`/node_modules/${name}/`));
}

describe('frameCodec', () => {
  it('loads a codec on first use, and only that codec', async () => {
    expect(() => loadedFrameCodec('zstd')).toThrow(/before it was loaded/);
    expect(frameCodecSettled('zstd')).toBe(false);
    const zstd = await frameCodec('zstd');
    expect(frameCodecSettled('zstd')).toBe(true);
    expect(loadedFrameCodec('zstd')).toBe(zstd);
    expect(await frameCodec('zstd')).toBe(zstd);

    const data = Buffer.concat([randomBytes(4096), Buffer.alloc(60_000)]);
    const out = new Uint8Array(zstd.bound(data.byteLength));
    const { length, checksum } = zstd.compress(data, 3, out);
    const back = new Uint8Array(data.byteLength);
    zstd.decompress(out.subarray(0, length), back, checksum);
    expect(Buffer.from(back).equals(data)).toBe(true);

    expect(packageLoaded('lz4-napi')).toBe(false);
    expect(() => loadedFrameCodec('lz4')).toThrow(/before it was loaded/);
    await frameCodec('lz4');
    expect(packageLoaded('lz4-napi')).toBe(true);
  });
});
