// Opens where an image goes, from the form of its destination: "-" is stdout, ssh://… a file
// on another machine, anything else a file here (in parts, when a part size is given).
// A write rate limit wraps whichever it is.

import type { Writable } from 'node:stream';
import { openFileSink } from './file/sink.js';
import type { ImageSink } from './image-sink.js';
import { openSplitSink } from './split/sink.js';
import type { SshOptions } from './ssh/connection.js';
import { isSshUrl, parseSshUrl } from './ssh/url.js';
import { streamSink } from './stdio/sink.js';
import { throttledSink } from './throttled-sink.js';

export interface SinkOptions {
  /** Replace an image of the same name. */
  force: boolean;
  /** A file here written as parts of this many bytes; null or absent: one file. */
  partSize?: number | null;
  /** Continue the file's ".incomplete" from this byte (a resumed backup). */
  resumeAt?: number;
  /** How to reach and trust the machine of an ssh:// destination. */
  ssh?: SshOptions;
  /** Where "-" goes (process.stdout when absent). */
  stdout?: Writable;
  /** Write no faster than this, bytes per second. */
  maxWriteRate?: number;
}

export async function openSink(destination: string, options: SinkOptions): Promise<ImageSink> {
  const sink = await openEndpoint(destination, options);
  return options.maxWriteRate ? throttledSink(sink, options.maxWriteRate) : sink;
}

/**
 * Whether the image goes out as a stream rather than into a file here (stdout, another
 * machine): there is no folder here to check, and nothing can be written beside it.
 */
export function isStreamDestination(destination: string): boolean {
  return destination === '-' || isSshUrl(destination);
}

async function openEndpoint(destination: string, options: SinkOptions): Promise<ImageSink> {
  if (destination === '-') return streamSink(options.stdout ?? process.stdout);
  if (isSshUrl(destination)) {
    // The SSH library loads only for ssh:// destinations: every other job starts faster.
    const { openSshSink } = await import('./ssh/sink.js');
    return openSshSink(parseSshUrl(destination), { ...options.ssh, force: options.force });
  }
  if (options.partSize) {
    return openSplitSink(destination, options.partSize, { force: options.force });
  }
  return openFileSink(destination, {
    force: options.force,
    ...(options.resumeAt !== undefined ? { resumeAt: options.resumeAt } : {}),
  });
}
