// `spillway recompress IN OUT --codec xz --level 9`: an image's frames decoded on the worker
// pool and compressed again with another codec or level, frame by frame, in order, with no
// uncompressed copy anywhere. The drive's SHA-256 is recomputed on the way and must equal
// the one the old image recorded before the new image takes its name.

import { stat } from 'node:fs/promises';
import type { CodecName, Manifest } from '../../../src-shared/manifest.js';
import type { RecompressResult } from '../../../src-shared/protocol/events.js';
import { checkEncryptable, checkLevel } from '../backup/options.js';
import type { AgeKeys, AgeLock } from '../endpoints/age/age-keys.js';
import { newAgeHeader } from '../endpoints/age/age-header-on-demand.js';
import { encryptingSink } from '../endpoints/age/sink.js';
import { maxFramesInFlight, compressInOrder } from '../backup/compress-stage.js';
import { FrameHashList } from '../digest/frame-hash.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { StreamDigest } from '../digest/frame-digests.js';
import { SpillwayError } from '../errors.js';
import type { ImageWriter } from '../format/image-writer.js';
import { SeekableImageWriter } from '../format/seekable/writer.js';
import { SidecarImageWriter } from '../format/sidecar/writer.js';
import type { RawFrame } from '../frames/frame.js';
import { decodeFrames } from '../image/frame-decoder.js';
import type { IndexedImage, OpenedImage } from '../format/image-layout.js';
import { openImage } from '../image/open-image.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import { SlotArena } from '../pool/slot-arena.js';
import { openFileSink } from '../endpoints/file/sink.js';
import type { ImageSink } from '../endpoints/image-sink.js';

export interface RecompressOptions {
  image: string;
  /** The new image file. */
  output: string;
  codec: CodecName;
  level?: number;
  threads?: number;
  force?: boolean;
  /** What opens the image when it is encrypted. */
  age?: AgeKeys;
  /** Encrypt the new image (whether the old one was or not); without it the new one is
   *  plain, so recompress also removes encryption. */
  encrypt?: AgeLock;
}

export function recompress(
  options: RecompressOptions,
  context: JobContext,
): Promise<RecompressResult> {
  return runJob('recompress', context, async (progress) => {
    const level = options.level ?? CODEC_INFO[options.codec].levels.default;
    checkLevel(options.codec, level);
    if (options.encrypt) checkEncryptable(options.codec);
    if (!options.force && (await stat(options.output).catch(() => null))) {
      throw new SpillwayError('destination-exists', `${options.output} already exists.`, {
        facts: { path: options.output },
        remedy: 'overwrite',
      });
    }
    progress.phase('preparing', `Opening ${options.image}`);
    const image = await openImage(options.image, options.age ? { age: options.age } : {});
    let sink: ImageSink | undefined;
    let writer: ImageWriter | undefined;
    const pool = new CodecPool(options.threads ?? defaultThreads());
    try {
      const { header, manifest, indexed } = spillwayImage(image, options.image);
      const frameSize = manifest.frameSize;
      const atCodec = maxFramesInFlight(pool);
      const arena = new SlotArena(frameSize, atCodec + 2);
      const outputs = new SlotArena(CODEC_INFO[options.codec].bound(frameSize), atCodec + 1);
      // A passphrase's scrypt runs while the first frames are recoded (sink.ts).
      const sealing = options.encrypt ? await newAgeHeader(options.encrypt) : null;
      const fileSink = await openFileSink(options.output, { force: options.force ?? false });
      sink = sealing ? encryptingSink(fileSink, sealing, pool) : fileSink;
      writer =
        CODEC_INFO[options.codec].index === 'in-file'
          ? new SeekableImageWriter(sink)
          : new SidecarImageWriter(sink, options.output);
      const activeSink = sink;
      const activeWriter = writer;
      await writer.start({ ...header, codec: options.codec, level });

      const counters = progress.counters;
      counters.streamTotal = manifest.size;
      progress.phase('reading', `Recompressing ${options.image} with ${options.codec}`);
      progress.start();
      const digest = new StreamDigest();
      const hashes = new FrameHashList(indexed.frames.length);
      await compressInOrder(frames(indexed, pool, arena, digest, context.signal), pool, {
        codec: options.codec,
        level,
        outputs,
        signal: context.signal,
        onCompressed: (bytes) => (counters.codecBytes += bytes),
        onFrame: async ({ bytes: compressed, checksum, frameBytes, hash }) => {
          hashes.add(hash);
          await activeWriter.addFrame(compressed, frameBytes, checksum);
          counters.streamDone += frameBytes;
          counters.bytesWritten = activeSink.bytesWritten;
          counters.ratioUncompressed = counters.streamDone;
          counters.ratioCompressed = activeSink.bytesWritten;
        },
      });
      const digests = digest.result();
      if (
        digests.streamSha256 !== manifest.streamSha256 ||
        (manifest.framesDigest !== undefined && digests.framesDigest !== manifest.framesDigest)
      ) {
        throw new SpillwayError(
          'image-damaged',
          `${options.image} does not hold the bytes it recorded (its digests differ): nothing was written.`,
        );
      }
      progress.phase('finishing', 'Writing the index and manifest');
      await writer.finish(
        recompressedManifest(manifest, options.codec, level, digests.framesDigest, hashes),
      );
      await sink.commit();
      await writer.commit();
      return {
        kind: 'recompress',
        image: options.output,
        size: manifest.size,
        imageBytes: sink.bytesWritten,
        ratio: sink.bytesWritten > 0 ? manifest.size / sink.bytesWritten : null,
        streamSha256: digests.streamSha256,
        seconds: progress.elapsedSeconds,
      };
    } catch (error) {
      await sink?.abort();
      await writer?.abort();
      throw error;
    } finally {
      progress.stop();
      await pool.close();
      await image.input.close();
    }
  });
}

/** The header and manifest of a Spillway image, or why another image cannot be recompressed. */
function spillwayImage(image: OpenedImage, path: string) {
  if (image.layout !== 'indexed' || !image.header || !image.manifest) {
    throw new SpillwayError(
      'usage',
      `${path} was not made by Spillway (or its index file is missing): it has no frames to recompress.`,
      { facts: { image: path }, remedy: 'rebackup-from-stream' },
    );
  }
  return { header: image.header, manifest: image.manifest, indexed: image };
}

/** The old image's frames, decoded, in slots the codec workers can read, digested on the way. */
async function* frames(
  image: IndexedImage,
  pool: CodecPool,
  arena: SlotArena,
  digest: StreamDigest,
  signal: AbortSignal,
): AsyncGenerator<RawFrame> {
  for await (const decoded of decodeFrames(image, { pool, signal })) {
    if (decoded.damage) {
      const [start, end] = decoded.damage.drive ?? [
        decoded.frame.driveOffset,
        decoded.frame.driveOffset + decoded.frame.size,
      ];
      throw new SpillwayError(
        'image-damaged',
        `${image.input.path} is damaged at drive bytes ${start}–${end} (frame ${decoded.frame.index}): nothing was written.`,
        { facts: { image: image.input.path, start, end }, remedy: 'verify-image' },
      );
    }
    digest.update(decoded.data);
    const slot = await arena.acquire(signal);
    const data = slot.bytes(decoded.data.byteLength);
    data.set(decoded.data);
    yield { index: decoded.frame.index, offset: decoded.frame.driveOffset, slot, data };
  }
}

function recompressedManifest(
  old: Manifest,
  codec: CodecName,
  level: number,
  /** Same frames, same bytes: an older image gains the digest its restore can use. */
  framesDigest: string,
  /** Each frame's strong hash, taken as it was compressed again. */
  hashes: FrameHashList,
): Manifest {
  return {
    ...old,
    codec: { name: codec, level, levels: [{ from: 0, level }] },
    framesDigest,
    frameHashes: hashes.encode(),
  };
}
