// LZ4: one LZ4 frame per frame of the drive, with its content checksum (XXH32, the frame's
// last 4 bytes, which is also the frame's checksum in the index). Blocks come from lz4-napi
// (lz4_flex, N-API; one level, LZ4's fast one, as `lz4 -1`), the checksum from @node-rs/xxhash
// (N-API), and the frame around them is written here, straight into the lent output.
//
// Why not lz4-napi's own frame encoder: on 1 GiB of the fixture disk it took 25% more CPU
// than its block compressor on the same bytes (it copies the input into its own buffer, grows
// its output by doubling, hashes more slowly). Either returns each result in a new native
// buffer: it is copied out at once and counted, so that a collection frees such buffers
// every few frames (see native-garbage.ts).

import { xxh32 } from '@node-rs/xxhash';
import lz4 from 'lz4-napi';
import {
  LZ4_WRITE_BLOCK_MAX,
  lz4FrameHeader,
  lz4FrameOutputBound,
  writeLz4Block,
  writeLz4FrameEnd,
} from './lz4-frame-format.js';
import { droppedNativeBuffer } from './native-garbage.js';
import { CODEC_INFO } from './codec-info.js';
import {
  checkChecksum,
  checkSize,
  FrameCorruptError,
  trailerU32,
  type FrameCodec,
} from './frame-codec.js';

const asBuffer = (view: Uint8Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

const HEADER = lz4FrameHeader((bytes) => xxh32(bytes, 0));

/**
 * Writes one LZ4 block of `raw` at `at` in `output`; returns where it ends. (lz4-napi
 * prepends the block's size to what it returns, 4 bytes that go.)
 */
function compressBlock(raw: Uint8Array, output: Uint8Array, at: number): number {
  const packed = lz4.compressSync(asBuffer(raw));
  const end = writeLz4Block(output, at, raw, packed.subarray(4));
  droppedNativeBuffer(packed.byteLength);
  return end;
}

export function createLz4FrameCodec(): FrameCodec {
  return {
    name: 'lz4',
    bound: CODEC_INFO.lz4.bound,
    compress(input, _level, output) {
      output.set(HEADER);
      let at = HEADER.byteLength;
      for (let from = 0; from < input.byteLength; from += LZ4_WRITE_BLOCK_MAX) {
        const raw = input.subarray(from, from + LZ4_WRITE_BLOCK_MAX);
        at = compressBlock(raw, output, at);
      }
      const checksum = xxh32(input, 0) >>> 0;
      return { length: writeLz4FrameEnd(output, at, checksum), checksum };
    },
    decompress(input, output, checksum) {
      let data: Buffer;
      try {
        // The decoder allocates what the frame produces: bound it by the frame's own block
        // structure first, so a hostile frame cannot ask for gigabytes.
        if (lz4FrameOutputBound(input) > output.byteLength + 4 * 2 ** 20) {
          throw new FrameCorruptError('lz4: the frame holds more than the index says');
        }
        checkChecksum('lz4', trailerU32(input, 4), checksum);
        data = lz4.decompressFrameSync(asBuffer(input));
      } catch (error) {
        if (error instanceof FrameCorruptError) throw error;
        throw new FrameCorruptError(`lz4: ${(error as Error).message}`);
      }
      checkSize('lz4', data.byteLength, output.byteLength);
      output.set(data);
      droppedNativeBuffer(data.byteLength);
    },
  };
}
