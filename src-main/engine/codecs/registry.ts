// Frame codecs by name, created lazily: a worker only builds the contexts it uses.

import type { CodecName } from '../../../src-shared/manifest.js';
import type { FrameCodec } from './frame-codec.js';
import { createZstdFrameCodec } from './zstd-frame.js';

const factories: Partial<Record<CodecName, () => FrameCodec>> = {
  zstd: createZstdFrameCodec,
};

const instances = new Map<CodecName, FrameCodec>();

export function frameCodec(name: CodecName): FrameCodec {
  let codec = instances.get(name);
  if (!codec) {
    const factory = factories[name];
    if (!factory) throw new Error(`codec ${name} is not available`);
    codec = factory();
    instances.set(name, codec);
  }
  return codec;
}
