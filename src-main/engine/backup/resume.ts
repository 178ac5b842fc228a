// `backup --resume`: continue an interrupted backup from its last complete frame.
//
// The interrupted image (NAME.incomplete) holds the header, complete frames, and perhaps half
// a frame. Its complete frames are found by walking the zstd frames, decoded again (which
// checks them and rebuilds the whole-stream SHA-256 up to there, since a hash's state cannot
// be saved), and the last one is compared with the drive: a drive that changed since is
// refused rather than stitched together. The final SHA-256 is then the one an uninterrupted
// backup would have, which the manifest records and `verify` checks.

import binding from 'zstd-napi/binding.js';
import {
  ImageHeaderSchema,
  type CodecName,
  type ImageHeader,
} from '../../../src-shared/manifest.js';
import { formatBytes } from '../../../src-shared/units.js';
import type { Remedy } from '../../../src-shared/errors.js';
import type { BlockMap } from '../blockmap/block-map.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { zstdFrameChecksum } from '../codecs/zstd-frame.js';
import { SpillwayError } from '../errors.js';
import {
  SPILLWAY_FRAME_PREFIX_BYTES,
  spillwayFrameJson,
  spillwayFramePrefix,
  XXH64_EMPTY_LOW32,
  type SeekEntry,
} from '../format/seekable/zstd-seekable.js';
import { StoredFramesDigest } from '../digest/frame-digests.js';
import { frameHash, FrameHashList } from '../digest/frame-hash.js';
import type { StreamDigestThread } from '../digest/stream-digest-thread.js';
import { fillFrame, type RangeReader } from '../frames/frame-reader.js';
import { frameCount, frameExtent } from '../frames/frame.js';
import { decodeFrames } from '../image/frame-decoder.js';
import { openImageFile } from '../endpoints/file/input.js';
import type { ImageInput } from '../endpoints/image-input.js';
import type { IndexedFrame } from '../format/image-layout.js';
import type { CodecPool } from '../pool/codec-pool.js';
import type { ProgressTracker } from '../progress/progress-tracker.js';
import type { BackupSource, PositionedSource } from '../source/backup-source.js';
import { INCOMPLETE_SUFFIX } from '../endpoints/file/sink.js';
import { isSshUrl } from '../endpoints/ssh/url.js';

export interface Resumed {
  header: ImageHeader;
  /** Frames already in the image; reading starts at this frame. */
  firstFrame: number;
  /** Bytes of the image to keep (everything up to the end of the last complete frame). */
  resumeAt: number;
  /** Seek table entries so far: the header frame and every complete frame. */
  entries: SeekEntry[];
  /** The digest of the kept frames' bytes as stored (the manifest's storedFramesDigest). */
  stored: StoredFramesDigest;
  /** The kept frames' strong hashes; the backup adds the others'. */
  hashes: FrameHashList;
  /** Uncompressed bytes already in the image. */
  bytes: number;
}

/**
 * Refuses, before anything is opened, what cannot be resumed: only a zstd image written to
 * one file on this machine can be.
 */
export function checkResumable(options: {
  codec: CodecName;
  destination: string;
  split?: number | false;
  encrypt?: unknown;
}): void {
  const refused = (message: string) =>
    new SpillwayError('usage', message, { facts: { option: 'resume' } });
  if (options.encrypt || /\.age$/i.test(options.destination)) {
    // Continuing would seal new bytes under the same key and chunk numbers as the bytes
    // written before the interruption (a reused nonce), unless the whole header were made
    // anew, which means starting over anyway.
    throw refused(
      'An encrypted backup cannot be resumed: continuing it would reuse its encryption ' +
        'nonces. Start the backup again.',
    );
  }
  if (options.codec !== 'zstd') throw refused('Only zstd images can be resumed.');
  if (options.destination === '-') throw refused('A backup to stdout cannot be resumed.');
  if (isSshUrl(options.destination)) {
    throw refused('A backup to another machine cannot be resumed.');
  }
  if (typeof options.split === 'number') throw refused('A split backup cannot be resumed.');
}

/**
 * Continues the interrupted backup at `destination`: checks what it holds against the drive
 * (prepareResume), and that this run reads it as the interrupted one did.
 */
export async function resumeBackup(
  input: Omit<Parameters<typeof prepareResume>[0], 'source' | 'map' | 'readRange'> & {
    source: BackupSource;
    map: BlockMap | null;
    readRange: RangeReader | undefined;
  },
  progress: ProgressTracker,
): Promise<Resumed> {
  const { source, map, readRange } = input;
  if (source.type !== 'positioned' || !map || !readRange) {
    // A stream cannot be read again from where the interrupted backup stopped.
    throw new SpillwayError('usage', 'A backup from a stream (stdin) cannot be resumed.');
  }
  progress.phase('preparing', `Checking the interrupted backup ${input.destination}.incomplete`);
  const resumed = await prepareResume({ ...input, source, map, readRange });
  progress.warn(
    `Resuming after ${resumed.firstFrame} frames (${formatBytes(resumed.bytes)}) already in the image. ` +
      'Sectors that could not be read before the interruption are zeros but not listed.',
  );
  return resumed;
}

const refuse = (message: string, remedy?: Remedy) =>
  new SpillwayError('source-changed', message, remedy ? { remedy } : {});

async function readHeader(input: ImageInput): Promise<{ header: ImageHeader; bytes: number }> {
  const prefix = spillwayFramePrefix(
    await input.read(0, Math.min(SPILLWAY_FRAME_PREFIX_BYTES, input.size)),
  );
  if (!prefix || prefix.tag !== 'SPWH' || prefix.frameBytes > Math.min(input.size, 65536)) {
    throw new SpillwayError('not-an-image', `${input.path} is not an interrupted Spillway backup.`);
  }
  let json: unknown = null;
  try {
    json = JSON.parse(spillwayFrameJson(await input.read(0, prefix.frameBytes)));
  } catch (error) {
    // Not JSON: refused below as a damaged header, like JSON of the wrong shape.
    if (!(error instanceof SyntaxError)) throw error;
  }
  const parsed = ImageHeaderSchema.safeParse(json);
  if (!parsed.success)
    throw new SpillwayError('image-damaged', `${input.path} has a damaged header.`);
  return { header: parsed.data, bytes: prefix.frameBytes };
}

/** The complete zstd frames after the header, as an index. */
async function walkFrames(
  input: ImageInput,
  start: number,
  header: ImageHeader,
  size: number,
): Promise<IndexedFrame[]> {
  const frames: IndexedFrame[] = [];
  const window = CODEC_INFO.zstd.bound(header.frameSize) + 64;
  const total = frameCount(size, header.frameSize);
  let at = start;
  while (at < input.size && frames.length < total) {
    const bytes = await input.read(at, Math.min(window, input.size - at));
    let length: number;
    try {
      length = binding.findFrameCompressedSize(bytes);
    } catch {
      break; // the frame the interruption cut short
    }
    const [driveOffset, frameBytes] = frameExtent(frames.length, size, header.frameSize);
    frames.push({
      index: frames.length,
      fileOffset: at,
      compressedSize: length,
      driveOffset,
      size: frameBytes,
      checksum: zstdFrameChecksum(bytes.subarray(0, length)),
    });
    at += length;
  }
  return frames;
}

async function prepareResume(input: {
  destination: string;
  source: PositionedSource;
  map: BlockMap;
  pool: CodecPool;
  /** The frame size this run was asked for. */
  frameSize: number;
  /** A new stream digest: resume feeds it the frames it keeps. */
  digest: StreamDigestThread;
  readRange: RangeReader;
  signal: AbortSignal;
}): Promise<Resumed> {
  const { source } = input;
  const partial = input.destination + INCOMPLETE_SUFFIX;
  const image = await openImageFile(partial).catch(() => {
    throw new SpillwayError('not-found', `Nothing to resume: there is no ${partial}.`, {
      facts: { path: partial },
      remedy: 'start-without-resume',
    });
  });
  try {
    const { header, bytes: headerBytes } = await readHeader(image);
    if (header.codec !== 'zstd') throw refuse(`${partial} was not made with zstd.`);
    if (header.sourceSize !== source.info.size) {
      throw refuse(
        `${partial} was made from a drive of ${header.sourceSize ?? 'unknown'} bytes; ` +
          `${source.info.path} has ${source.info.size}.`,
      );
    }
    for (const key of ['sourceModel', 'sourceSerial'] as const) {
      const was = header[key];
      const is = key === 'sourceModel' ? source.info.model : source.info.serial;
      if (was !== undefined && was !== is) {
        throw refuse(`${source.info.path} is not the drive ${partial} was made from (${was}).`);
      }
    }
    const frames = await walkFrames(image, headerBytes, header, input.map.size);

    // Decode what is there: checks it, and feeds the stream's digest what is kept. A frame
    // that does not decode ends what is kept.
    const stored = new StoredFramesDigest();
    const hashes = new FrameHashList(frames.length);
    const indexed = (list: IndexedFrame[]) => ({
      layout: 'indexed' as const,
      input: image,
      codec: 'zstd' as const,
      frames: list,
      header,
      manifest: null,
      payloadSize: input.map.size,
    });
    let good = 0;
    for await (const decoded of decodeFrames(indexed(frames), {
      pool: input.pool,
      signal: input.signal,
    })) {
      if (decoded.damage) break;
      // Awaited: the frame's slot is reused once the loop goes on.
      await input.digest.update(decoded.data);
      // The kept frames' strong hashes: here, on the main thread, as only a resume needs it.
      if (decoded.data) hashes.add(frameHash(decoded.data));
      stored.add(decoded.stored);
      good++;
    }
    const kept = frames.slice(0, good);
    const last = kept[good - 1];
    if (last) {
      // The drive must still hold what the last kept frame holds.
      const options = { pool: input.pool, signal: input.signal };
      for await (const decoded of decodeFrames(indexed([last]), options)) {
        const now = Buffer.allocUnsafe(last.size);
        await fillFrame(now, last.index, input.map, header.frameSize, input.readRange);
        if (!decoded.data || !now.equals(decoded.data)) {
          throw refuse(
            `${source.info.path} changed since the interrupted backup (bytes ${last.driveOffset}–` +
              `${last.driveOffset + last.size} differ).`,
            'start-without-resume',
          );
        }
      }
    }
    // Only now: a different drive reads differently too, and is better named as such.
    checkSameSettings(header, input.map, input.frameSize);
    return {
      header,
      firstFrame: good,
      resumeAt: last ? last.fileOffset + last.compressedSize : headerBytes,
      entries: entriesFor(headerBytes, kept),
      stored,
      hashes,
      bytes: kept.reduce((sum, f) => sum + f.size, 0),
    };
  } finally {
    await image.close();
  }
}

/** This run must read the drive as the interrupted one did, in frames of the same size. */
function checkSameSettings(header: ImageHeader, map: BlockMap, frameSize: number): void {
  const mode = header.mode ?? 'raw';
  if (mode !== map.mode) {
    throw new SpillwayError(
      'usage',
      `The interrupted backup read in ${mode} mode; this one would read in ${map.mode} mode.`,
      { facts: { mode }, remedy: mode === 'raw' ? 'use-raw-mode' : 'use-used-mode' },
    );
  }
  if (header.frameSize !== frameSize) {
    throw new SpillwayError(
      'usage',
      `The interrupted backup used frames of ${header.frameSize} bytes; this one would use ` +
        `frames of ${frameSize} bytes.`,
      { facts: { frameSize: header.frameSize }, remedy: 'use-same-frame-size' },
    );
  }
}

function entriesFor(headerBytes: number, frames: IndexedFrame[]): SeekEntry[] {
  return [
    { compressedSize: headerBytes, decompressedSize: 0, checksum: XXH64_EMPTY_LOW32 },
    ...frames.map((f) => ({
      compressedSize: f.compressedSize,
      decompressedSize: f.size,
      checksum: f.checksum,
    })),
  ];
}
