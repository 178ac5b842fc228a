// Some bindings (lz4-napi) return each result in a new buffer that native code allocated.
// Such a buffer is freed only once V8 has collected the small JS object that holds it, and V8
// does not count the native bytes behind it, so it sees no reason to collect: in a codec
// worker, whose JS heap barely grows, several MiB per frame piled up until an occasional
// collection (measured: peak RSS of an lz4 backup 400 MiB instead of 230). A young-generation
// collection (well under a millisecond in a worker's small heap) once LIMIT bytes of such
// buffers were dropped releases them. Not one per frame: collecting that often also moves
// whatever is briefly alive at that moment to the old generation, so a thread that decodes
// many small frames grew instead (the hostile-images fuzz test failed: +184 MiB in its second
// pass, where it allows 128).
//
// The collector is reached through V8's --expose-gc, set when first needed (the flag only adds
// a gc function to contexts made after it); where that fails, nothing is collected early and
// memory is only larger.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type: 'minor' | 'major' }) => void;

let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    // A new context gets the gc function the flag now exposes; this one was made before it.
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    collect = typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** Native bytes dropped between two collections: two default frames' worth. */
const LIMIT = 8 * 2 ** 20;
let dropped = 0;

/** Counts `bytes` of native-backed results just dropped; collects once LIMIT piled up. */
export function droppedNativeBuffer(bytes: number): void {
  dropped += bytes;
  if (dropped < LIMIT) return;
  dropped = 0;
  collector()?.({ type: 'minor' });
}

/** A full collection, for measuring what stays alive (tests); false where none can run. */
export function collectAll(): boolean {
  const gc = collector();
  gc?.({ type: 'major' });
  return gc !== null;
}
