// `spillway pipe`: stdin to stdout through the spill buffer, nothing else. In
// `mysqldump … | spillway pipe | pixz | upload` the producer is never stalled while the spill
// is under its cap: whatever the consumer cannot take yet waits on disk, in order.

import type { Readable, Writable } from 'node:stream';
import type { PipeResult } from '../../../src-shared/protocol/events.js';
import { checkFrameSizeOption, checkRate } from '../backup/options.js';
import { readStream } from '../frames/frame-reader.js';
import { DEFAULT_FRAME_SIZE } from '../format/frame-size.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { SlotArena } from '../pool/slot-arena.js';
import { BottleneckWatch } from '../progress/bottleneck.js';
import { BusyMeter } from '../progress/busy-meter.js';
import { stageTotals } from '../progress/progress-tracker.js';
import { openSink } from '../endpoints/open-sink.js';
import { openSpill, type SpillSettings } from '../spill/open-spill.js';

export interface PipeOptions {
  spill?: SpillSettings | false;
  /** Bytes per chunk moved through the buffer (default 4 MiB). */
  chunkSize?: number;
  maxWriteRate?: number;
  stdin?: Readable;
  stdout?: Writable;
}

const MEMORY_CHUNKS = 8;

export function pipe(options: PipeOptions, context: JobContext): Promise<PipeResult> {
  return runJob('pipe', context, async (progress) => {
    const chunkSize = options.chunkSize ?? DEFAULT_FRAME_SIZE;
    checkFrameSizeOption(chunkSize);
    checkRate(options.maxWriteRate);
    // Chunks being read, waiting in memory, being written: the arena holds them all.
    const arena = new SlotArena(chunkSize, MEMORY_CHUNKS + 3);
    const spill = await openSpill({
      settings: options.spill ?? {},
      sourceDevnum: null,
      arena,
      memoryFrames: MEMORY_CHUNKS,
      frameSize: chunkSize,
      signal: context.signal,
      warn: (message, remedy) => progress.warn(message, remedy),
    });
    const sink = await openSink('-', {
      force: false,
      ...(options.stdout ? { stdout: options.stdout } : {}),
      ...(options.maxWriteRate ? { maxWriteRate: options.maxWriteRate } : {}),
    });
    const counters = progress.counters;
    const meters = { read: new BusyMeter(), codec: new BusyMeter(), write: new BusyMeter() };
    progress.watchStages(new BottleneckWatch(meters, () => stageTotals(counters)));
    progress.addSampler(() => (counters.spill = spill.buffer.figures()));
    progress.phase('reading', 'Passing stdin to stdout');
    progress.start();
    const stop = new AbortController();
    const cancel = () => stop.abort(context.signal.reason);
    context.signal.addEventListener('abort', cancel, { once: true });
    // Cancelled before the listener was there: an abort event does not come twice.
    if (context.signal.aborted) cancel();
    const stage = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        stop.abort(error);
        spill.buffer.fail(error);
        throw error;
      }
    };
    try {
      const reading = stage(async () => {
        await readStream(
          {
            type: 'stream',
            info: {
              path: '-',
              kind: 'stream',
              size: 0,
              logicalSectorSize: 512,
              physicalSectorSize: 512,
            },
            stream: options.stdin ?? process.stdin,
            close: async () => {},
          },
          spill.buffer,
          {
            frameSize: chunkSize,
            arena,
            digest: null,
            progress: counters,
            signal: stop.signal,
            busy: meters.read,
          },
        );
        spill.buffer.close();
        progress.phase('draining', 'All of stdin has been read; writing what is still waiting');
      });
      const writing = stage(async () => {
        for await (const chunk of spill.buffer) {
          meters.write.begin();
          await sink.write(chunk.data);
          meters.write.end();
          arena.release(chunk.slot);
          counters.streamDone += chunk.data.byteLength;
          counters.bytesWritten = sink.bytesWritten;
          counters.codecBytes = counters.streamDone;
          counters.ratioUncompressed = counters.ratioCompressed = counters.streamDone;
        }
        await sink.commit();
      });
      const [read, written] = await Promise.allSettled([reading, writing]);
      context.signal.throwIfAborted();
      if (stop.signal.aborted) throw stop.signal.reason;
      if (read.status === 'rejected') throw read.reason;
      if (written.status === 'rejected') throw written.reason;
      return {
        kind: 'pipe',
        bytes: counters.streamDone,
        spillPeak: spill.buffer.figures()?.peak ?? 0,
        seconds: progress.elapsedSeconds,
      };
    } finally {
      context.signal.removeEventListener('abort', cancel);
      progress.stop();
      await spill.dispose();
    }
  });
}
