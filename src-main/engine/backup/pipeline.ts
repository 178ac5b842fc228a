// The concurrent part of a backup: the reader fills the frame queue (the spill buffer) while
// the compress stage empties it into the image writer. One stop signal ends both: the user's
// cancel, or the first stage to fail (the other may be waiting for a slot or a frame that will
// never come).

import type { CodecName } from '../../../src-shared/manifest.js';
import type { BlockMap } from '../blockmap/block-map.js';
import type { StreamDigestThread } from '../digest/stream-digest-thread.js';
import { readPositioned, readStream, type ReaderProgress } from '../frames/frame-reader.js';
import type { ImageWriter } from '../format/image-writer.js';
import type { CodecPool } from '../pool/codec-pool.js';
import type { SlotArena } from '../pool/slot-arena.js';
import type { BusyMeter } from '../progress/busy-meter.js';
import type { BackupSource } from '../source/backup-source.js';
import type { SpillBuffer } from '../spill/spill-buffer.js';
import { compressInOrder, type BaseFrames, type FrameOut } from './compress-stage.js';

export interface PipelineInput {
  source: BackupSource;
  /** null for a stream source (its size is known only at the end). */
  map: BlockMap | null;
  frameSize: number;
  readAhead: number;
  /** Reads one range of a positioned source (read-error handling lives there). */
  readRange?: (target: Uint8Array, position: number) => Promise<void>;
  /** Frames the image already has (a resumed backup): reading starts after them. */
  firstFrame: number;
  arena: SlotArena;
  outputs: SlotArena;
  queue: SpillBuffer;
  pool: CodecPool;
  codec: CodecName;
  levelFor(): number;
  writer: ImageWriter;
  digest: StreamDigestThread;
  progress: ReaderProgress;
  meters: { read: BusyMeter; write: BusyMeter };
  /** After the last frame is read, before the backlog is written. */
  onReadDone(): void;
  onCompressed(frameBytes: number): void;
  /** After each frame is written, in order. */
  onWritten(frame: FrameOut): void;
  /** The earlier image whose unchanged frames are copied (backup --base). */
  base?: BaseFrames;
  signal: AbortSignal;
}

/** Runs reader and compressor to the end; returns the number of bytes read (the size). */
export async function runPipeline(input: PipelineInput): Promise<number> {
  const { queue, signal } = input;
  const stop = new AbortController();
  const cancel = () => stop.abort(signal.reason ?? new Error('cancelled'));
  signal.addEventListener('abort', cancel, { once: true });
  stop.signal.addEventListener('abort', () => queue.fail(stop.signal.reason), { once: true });
  // Cancelled before the listeners were there: an abort event does not come twice.
  if (signal.aborted) cancel();
  const stage = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      stop.abort(error);
      throw error;
    }
  };

  const reading = stage(async () => {
    const { source, map } = input;
    const common = {
      frameSize: input.frameSize,
      arena: input.arena,
      digest: input.digest,
      progress: input.progress,
      signal: stop.signal,
      busy: input.meters.read,
    };
    let size: number;
    if (source.type === 'positioned') {
      await readPositioned(source, queue, {
        ...common,
        map: map!,
        readAhead: input.readAhead,
        firstFrame: input.firstFrame,
        ...(input.readRange ? { readRange: input.readRange } : {}),
      });
      size = map!.size;
    } else {
      size = await readStream(source, queue, common);
    }
    queue.close();
    input.onReadDone();
    return size;
  });
  const writing = stage(() =>
    compressInOrder(queue, input.pool, {
      codec: input.codec,
      level: input.levelFor,
      outputs: input.outputs,
      signal: stop.signal,
      onFrame: async (frame) => {
        input.meters.write.begin();
        try {
          await input.writer.addFrame(
            frame.bytes,
            frame.frameBytes,
            frame.checksum,
            frame.storedXxh64,
          );
        } finally {
          input.meters.write.end();
        }
        input.onWritten(frame);
      },
      ...(input.base ? { base: input.base } : {}),
      onCompressed: input.onCompressed,
    }),
  );
  const [read, written] = await Promise.allSettled([reading, writing]);
  signal.removeEventListener('abort', cancel);
  signal.throwIfAborted();
  // The first failure is the cause; the other stage's error is only its consequence.
  if (stop.signal.aborted) throw stop.signal.reason;
  if (read.status === 'rejected') throw read.reason;
  if (written.status === 'rejected') throw written.reason;
  return read.value;
}
