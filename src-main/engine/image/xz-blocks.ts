// Multi-block .xz files (what `xz -T0` makes) decoded several blocks at once on the worker
// pool, as `xz -T0 -d` does, and handed out in order. The xz index at the end of the file says
// where each block is and what it decodes to (codecs/xz-index.ts); each block is read alone,
// made into a stream of its own (codecs/xz-block-stream.ts) and decoded by a worker, which
// checks it as xz does (its CRC64/CRC32/SHA-256, its sizes against the index).
//
// Memory is bounded by blocks: a few blocks in flight (one more than the threads), each an
// input slot (the block as stored) and an output slot (what it decodes to), plus the two
// output slots the caller may still hold; all within BLOCK_BUDGET. `xz -T0 -6` makes blocks of
// 24 MiB (three times its 8 MiB dictionary): three in flight on 2 cores, 5 × 24 MiB of output
// and at most 3 × 24 MiB of input slots. Files whose blocks do not fit two in flight (blocks
// over about 42 MiB that do not compress: `xz -T0 -7` and stronger) or that hold one block
// (`xz -6` without -T) stream through one decoder instead (stream-decoder.ts).

import { settledLater } from '../async/settled-later.js';
import { FrameCorruptError } from '../codecs/frame-codec.js';
import type { StreamImage } from '../format/image-layout.js';
import {
  storedBlockBytes,
  XZ_SINGLE_BLOCK_TAIL_MAX,
  XZ_STREAM_HEADER_BYTES,
  xzSingleBlockTail,
  xzStreamHeader,
} from '../codecs/xz-block-stream.js';
import type { XzBlock, XzIndex } from '../codecs/xz-index.js';
import type { CodecPool } from '../pool/codec-pool.js';
import { SlotArena, type Slot } from '../pool/slot-arena.js';

/** Memory for the blocks' slots, input and output together. */
export const BLOCK_BUDGET = 256 * 2 ** 20;
/** The caller holds up to this many decoded blocks while taking the next (as decodeBlocks). */
const HELD = 2;

export interface XzBlockPlan {
  blocks: XzBlock[];
  /** Blocks read or decoded at once. */
  inFlight: number;
  /** Slot sizes: the largest block as a stream of its own, and decoded. */
  inputBytes: number;
  outputBytes: number;
}

/**
 * How the blocks of `index` are decoded on `threads` workers, or why they are not (then the
 * file streams through one decoder): a pure decision on the index alone.
 */
export function planXzBlocks(index: XzIndex, threads: number): XzBlockPlan | { reason: string } {
  const { blocks } = index;
  if (blocks.length < 2) return { reason: 'the file holds one xz block' };
  if (threads < 2) return { reason: 'one thread' };
  const outputBytes = Math.max(1, ...blocks.map((b) => b.uncompressedSize));
  const inputBytes =
    XZ_STREAM_HEADER_BYTES + Math.max(...blocks.map(storedBlockBytes)) + XZ_SINGLE_BLOCK_TAIL_MAX;
  // (inFlight + HELD) outputs and inFlight inputs within the budget.
  const fits = Math.floor((BLOCK_BUDGET - HELD * outputBytes) / (outputBytes + inputBytes));
  const inFlight = Math.min(threads + 1, fits);
  if (inFlight < 2) return { reason: 'its xz blocks are too large to decode two at once' };
  return { blocks, inFlight, inputBytes, outputBytes };
}

/** A block that failed its check: where, and what the decoder said. */
export class XzBlockDamage extends Error {
  constructor(
    readonly block: number,
    readonly blocks: number,
    /** Decoded bytes before it (all written by then). */
    readonly decoded: number,
    readonly reason: string,
  ) {
    super(
      `decoding failed in xz block ${block + 1} of ${blocks}, after ${decoded} bytes (${reason})`,
    );
    this.name = 'XzBlockDamage';
  }
}

export interface XzBlockOptions {
  pool: CodecPool;
  signal: AbortSignal;
  /** Compressed bytes read, for progress. */
  onRead(bytes: number): void;
}

/**
 * The decoded blocks, in order. A block stays as yielded until two more were taken after it
 * (the contract of decodeBlocks: the caller writes one while the next is decoded). A damaged
 * block ends the run with XzBlockDamage once every block before it was yielded.
 */
export async function* decodeXzBlocks(
  image: StreamImage,
  plan: XzBlockPlan,
  options: XzBlockOptions,
): AsyncGenerator<Buffer> {
  const { pool, signal } = options;
  const { blocks, inFlight } = plan;
  const outputs = new SlotArena(plan.outputBytes, inFlight + HELD);
  const inputs = new SlotArena(plan.inputBytes, inFlight);

  const decodeOne = async (block: XzBlock): Promise<{ data: Buffer; slot: Slot }> => {
    const input = await inputs.acquire(signal);
    try {
      const stored = storedBlockBytes(block);
      const tail = xzSingleBlockTail(block);
      const bytes = input.bytes(XZ_STREAM_HEADER_BYTES + stored + tail.byteLength);
      bytes.set(xzStreamHeader(block.streamFlags), 0);
      await image.input.readInto(
        bytes.subarray(XZ_STREAM_HEADER_BYTES, XZ_STREAM_HEADER_BYTES + stored),
        block.fileOffset,
      );
      bytes.set(tail, XZ_STREAM_HEADER_BYTES + stored);
      options.onRead(stored);
      const output = await outputs.acquire(signal);
      try {
        const size = block.uncompressedSize;
        const data = await pool.decompress('xz', input, bytes.byteLength, output, size, null);
        return { data, slot: output };
      } catch (error) {
        outputs.release(output);
        throw error;
      }
    } finally {
      inputs.release(input);
    }
  };

  const pending: Array<Promise<{ data: Buffer; slot: Slot }>> = [];
  const held: Slot[] = [];
  let next = 0;
  let decoded = 0;
  try {
    for (let i = 0; i < blocks.length; i++) {
      signal.throwIfAborted();
      while (next < blocks.length && pending.length < inFlight) {
        pending.push(settledLater(decodeOne(blocks[next++]!)));
      }
      let result: { data: Buffer; slot: Slot };
      try {
        result = await pending.shift()!;
      } catch (error) {
        if (!(error instanceof FrameCorruptError)) throw error;
        throw new XzBlockDamage(i, blocks.length, decoded, error.message);
      }
      // The block taken two turns ago is free again.
      held.push(result.slot);
      if (held.length > HELD) outputs.release(held.shift()!);
      decoded += result.data.byteLength;
      yield result.data;
    }
  } finally {
    await Promise.allSettled(pending);
    pool.forget(outputs);
    pool.forget(inputs);
  }
}
