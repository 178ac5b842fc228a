// Messages between the main thread and the codec workers. Frame bytes stay in shared slots
// (slot-arena.ts); messages name the slots. An arena is announced to each worker once.

import type { CodecName } from '../../../src-shared/manifest.js';
import type { SlotRef } from './slot-arena.js';
import type { Quit } from '../threads/worker-thread.js';

export interface AttachArena {
  op: 'attach';
  arena: number;
  memory: SharedArrayBuffer;
  slotBytes: number;
  /** Where each slot begins after the one before. */
  stride: number;
}

/**
 * The earlier image's frame at the same place (backup --base): its stored bytes, the strong
 * hash its manifest records for it, and its index's checksum.
 */
export interface BaseFrameRef {
  stored: SlotRef;
  hash: Uint8Array;
  checksum: number | null;
  /** The XXH64 its stored bytes had when written, proven by the base's manifest: checked
   *  instead of decoding the frame. */
  storedXxh64?: bigint;
}

export type CodecRequest =
  | {
      id: number;
      op: 'compress';
      codec: CodecName;
      level: number;
      input: SlotRef;
      output: SlotRef;
      /** When given, the frame is not compressed if the base's frame holds the same bytes. */
      base?: BaseFrameRef;
      /** The input holds only zeros (nothing was read into it): its hash is known. */
      zeros?: boolean;
    }
  | {
      id: number;
      op: 'decompress';
      codec: CodecName;
      input: SlotRef;
      output: SlotRef;
      /** The index's checksum of the frame, checked by the codec (null: nothing to check). */
      checksum: number | null;
      /** Also take the XXH64 of the frame as stored (frame-digests.ts frameXxh64). */
      hashStored?: boolean;
      /** The input holds the frame still sealed, in the age payload chunks around it: they
       *  are opened first, and the frame is `length` bytes from `skip` of what they hold. */
      sealed?: SealedFrame;
    }
  | {
      id: number;
      /** Age payload chunks (sealing/payload-chunks.ts), plaintext into sealed. */
      op: 'seal';
      key: Uint8Array;
      firstChunk: number;
      /** Whether the batch's final chunk is the payload's last. */
      endsPayload: boolean;
      input: SlotRef;
      output: SlotRef;
    }
  | {
      id: number;
      /** Frames as stored inside sealed age chunks: the chunks are opened (each
       *  authenticated) and each frame hashed (frame-digests.ts frameXxh64), nothing decoded. */
      op: 'hash-sealed';
      key: Uint8Array;
      firstChunk: number;
      lastChunk: number;
      input: SlotRef;
      /** Each frame's start and length, in plain bytes from the first chunk's start. */
      frames: Float64Array;
    }
  | {
      id: number;
      /** Age payload chunks, sealed into plaintext, each authenticated. */
      op: 'open';
      key: Uint8Array;
      firstChunk: number;
      /** The payload's last chunk, which must say it is. */
      lastChunk: number;
      input: SlotRef;
      output: SlotRef;
    };

/** A frame inside sealed age payload chunks (sealing/payload-chunks.ts). */
export interface SealedFrame {
  key: Uint8Array;
  firstChunk: number;
  /** The payload's last chunk, which must say it is. */
  lastChunk: number;
  /** Plaintext bytes before the frame in the first chunk. */
  skip: number;
  /** The frame's length as stored. */
  length: number;
}

/** The arena is no longer used: the worker lets go of it (so its memory can be freed). */
export interface DetachArena {
  op: 'detach';
  arena: number;
}

export type WorkerMessage = AttachArena | DetachArena | Quit | CodecRequest;

export type CodecReply =
  | {
      id: number;
      ok: true;
      /** Bytes of output written into the output slot (0 for compress: a hole). */
      length: number;
      /** The frame's checksum, as the codec takes it (compress). */
      checksum: number | null;
      /** The compressed bytes, when they did not fit in the output slot (rare). */
      overflow?: Uint8Array;
      /** compress: the strong hash of the frame's uncompressed bytes (frame-hash.ts). */
      hash?: Uint8Array;
      /**
       * compress: the XXH64 of the bytes to store (the output, or the base's stored bytes when
       * reused), taken here so that the image writer does not hash them again.
       */
      storedXxh64?: bigint;
      /**
       * compress with a base: 'reused' when the base's frame decodes to exactly these bytes
       * (nothing was compressed; the base's stored bytes and checksum stand for the frame);
       * 'damaged' when its hash matched but it does not decode to them; 'changed' otherwise.
       */
      base?: 'reused' | 'damaged' | 'changed';
      /** hash-sealed: each frame's XXH64, in the order asked. */
      digests?: BigUint64Array;
      /** open, hash-sealed, and decompress of a sealed frame: the first chunk that did not authenticate
       *  (null or absent: all did; the frame was then not decoded). */
      failedChunk?: number | null;
    }
  | {
      id: number;
      ok: false;
      corrupt: boolean;
      message: string;
      /** decompress with hashStored: the XXH64 of the frame that did not decode. */
      storedXxh64?: bigint;
    };
