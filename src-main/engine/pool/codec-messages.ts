// Messages between the main thread and the codec workers. Frame bytes stay in shared slots
// (slot-arena.ts); messages name the slots. An arena is announced to each worker once.

import type { CodecName } from '../../../src-shared/manifest.js';
import type { SlotRef } from './slot-arena.js';
import type { Quit } from './worker-thread.js';

export interface AttachArena {
  op: 'attach';
  arena: number;
  memory: SharedArrayBuffer;
  slotBytes: number;
}

export type CodecRequest =
  | { id: number; op: 'compress'; codec: CodecName; level: number; input: SlotRef; output: SlotRef }
  | {
      id: number;
      op: 'decompress';
      codec: CodecName;
      input: SlotRef;
      output: SlotRef;
      /** The index's checksum of the frame, checked by the codec (null: nothing to check). */
      checksum: number | null;
    };

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
    }
  | { id: number; ok: false; corrupt: boolean; message: string };
