// Page-aligned memory for the buffers that reads land in.
//
// A read copies from the page cache (whose pages are page-aligned) into the caller's buffer.
// On the AMD EPYC machines this project is measured on, a read from a page-aligned position
// of the file took 2.7 times as long into a buffer that starts 8 or 16 bytes past a 32-byte
// boundary as into one on a page boundary (256 KiB reads), and 7 times as long for 4 MiB
// reads: reading a cached 4 GiB file back cost 2.1 s of system time instead of 0.3 s
// (docs/benchmarks.md, 2026-12-06). Reads from other positions, and writes, did not care.
// Node's buffers come from malloc, whose large blocks start 16 bytes into a page: exactly
// the slow case, for the reads of drives, of read-back and of images from their start.
//
// JavaScript cannot ask for an address, but a WebAssembly memory is always mapped on its
// own pages, and a shared one is a SharedArrayBuffer the codec workers can see. Sizes are
// rounded up to its 64 KiB pages; past its 4 GiB limit, or when the engine refuses,
// ordinary memory is used instead (slower to read into, never wrong).

const WASM_PAGE = 64 * 2 ** 10;
const MAX_PAGES = 65536;

/** The start of every slot or buffer carved from page-aligned memory is a multiple of this. */
const PAGE = 4096;

/** `bytes` rounded up to a whole number of pages. */
export function roundToPage(bytes: number): number {
  return Math.ceil(bytes / PAGE) * PAGE;
}

/** The one part of WebAssembly used here (the project's `lib` leaves its types out). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (size: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
    };
  }
).WebAssembly;

function wasmMemory(bytes: number, shared: boolean): WasmMemory | null {
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE));
  if (pages > MAX_PAGES) return null;
  try {
    return new Memory({ initial: pages, maximum: pages, shared });
  } catch {
    return null;
  }
}

/** The memories known to start on a page: those that came from wasmMemory. */
const aligned = new WeakSet<ArrayBufferLike>();

function remembered<T extends ArrayBufferLike>(memory: T): T {
  aligned.add(memory);
  return memory;
}

/** A buffer of `bytes` that starts on a page boundary (zero-filled). */
export function pageAlignedBuffer(bytes: number): Buffer {
  const memory = wasmMemory(bytes, false);
  return memory
    ? Buffer.from(remembered(memory.buffer as ArrayBuffer), 0, bytes)
    : Buffer.allocUnsafeSlow(bytes);
}

/** Shared memory of at least `bytes` that starts on a page boundary (zero-filled). */
export function pageAlignedSharedMemory(bytes: number): SharedArrayBuffer {
  const memory = wasmMemory(bytes, true);
  return memory ? remembered(memory.buffer as SharedArrayBuffer) : new SharedArrayBuffer(bytes);
}

/**
 * Whether `view` is known to start on a page boundary: it lies in memory made here (not the
 * fallback) at a whole number of pages from its start. Only then may a read bypass the page
 * cache into it (O_DIRECT refuses anything else).
 */
export function startsOnPage(view: Uint8Array): boolean {
  return aligned.has(view.buffer) && view.byteOffset % PAGE === 0;
}
