// Frame codecs by name, each module loaded the first time its codec is asked for: a codec
// brings its native library (zstd-napi, lz4-napi, node-liblzma), and a worker that only ever
// decodes zstd need not load the others. Measured in a fresh worker thread here: 99–173 ms of
// CPU to load every codec, 15 ms for zstd alone, paid by each codec worker as a job starts.

import type { CodecName } from '../../../src-shared/manifest.js';
import type { FrameCodec } from './frame-codec.js';

const loaders: Record<CodecName, () => Promise<FrameCodec>> = {
  zstd: async () => (await import('./zstd-frame.js')).createZstdFrameCodec(),
  gzip: async () => (await import('./gzip-frame.js')).createGzipFrameCodec(),
  xz: async () => (await import('./xz-frame.js')).createXzFrameCodec(),
  lz4: async () => (await import('./lz4-frame.js')).createLz4FrameCodec(),
  none: async () => (await import('./none-frame.js')).createNoneFrameCodec(),
};

const loading = new Map<CodecName, Promise<FrameCodec>>();
const loaded = new Map<CodecName, FrameCodec>();
/** Why a codec's module could not be loaded (a native library missing, say). */
const failed = new Map<CodecName, unknown>();

/** The codec `name`, its module loaded (and its contexts built) on the first call. */
export function frameCodec(name: CodecName): Promise<FrameCodec> {
  let codec = loading.get(name);
  if (!codec) {
    codec = loaders[name]().then(
      (made) => {
        loaded.set(name, made);
        return made;
      },
      (error: unknown) => {
        failed.set(name, error);
        throw error;
      },
    );
    loading.set(name, codec);
  }
  return codec;
}

/** The codec `name` once frameCodec has loaded it, for code that runs without waiting (a
 *  worker's job: the worker loads the codec before it takes the job). */
export function loadedFrameCodec(name: CodecName): FrameCodec {
  const codec = loaded.get(name);
  if (codec) return codec;
  if (failed.has(name)) throw failed.get(name);
  throw new Error(`the ${name} codec was used before it was loaded`);
}

/** Whether frameCodec has finished loading `name`, or failed to. */
export function frameCodecSettled(name: CodecName): boolean {
  return loaded.has(name) || failed.has(name);
}
