// Frame codecs by name, created lazily: a worker only builds the contexts it uses.

import type { CodecName } from '../../../src-shared/manifest.js';
import type { FrameCodec } from './frame-codec.js';
import { createGzipFrameCodec } from './gzip-frame.js';
import { createLz4FrameCodec } from './lz4-frame.js';
import { createNoneFrameCodec } from './none-frame.js';
import { createXzFrameCodec } from './xz-frame.js';
import { createZstdFrameCodec } from './zstd-frame.js';

const factories: Record<CodecName, () => FrameCodec> = {
  zstd: createZstdFrameCodec,
  gzip: createGzipFrameCodec,
  xz: createXzFrameCodec,
  lz4: createLz4FrameCodec,
  none: createNoneFrameCodec,
};

const instances = new Map<CodecName, FrameCodec>();

export function frameCodec(name: CodecName): FrameCodec {
  let codec = instances.get(name);
  if (!codec) {
    codec = factories[name]();
    instances.set(name, codec);
  }
  return codec;
}
