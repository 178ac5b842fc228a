// How large an output buffer the main thread lends a worker for one compressed frame.
// A worker that finds it too small allocates its own, so this is about speed, not safety.

import binding from 'zstd-napi/binding.js';
import type { CodecName } from '../../../src-shared/manifest.js';

export function compressBound(codec: CodecName, size: number): number {
  if (codec === 'zstd') return binding.compressBound(size);
  // Stored blocks of any of the other formats cost well under 1/128 plus headers.
  return size + (size >> 7) + 65536;
}
