// What a backup records about itself: the header written first (so even a cut-short image
// says what it is) and the manifest written last, with everything measured on the way.

import {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type ByteRange,
  type CodecName,
  type ImageHeader,
  type Manifest,
} from '../../../src-shared/manifest.js';
import type { BlockMap } from '../blockmap/block-map.js';
import type { StreamDigests } from '../digest/frame-digests.js';
import type { FrameHashList } from '../digest/frame-hash.js';
import { frameCount } from '../frames/frame.js';
import type { BackupSource } from '../source/backup-source.js';
import { TOOL_VERSION } from '../version.js';
import type { AdaptiveRange } from './level-controller.js';
import type { LevelRuns } from './level-runs.js';

export function imageHeader(input: {
  codec: CodecName;
  level: number;
  frameSize: number;
  source: BackupSource;
  map: BlockMap | null;
  startedAt: Date;
}): ImageHeader {
  const { info } = input.source;
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    codec: input.codec,
    frameSize: input.frameSize,
    sourceSize: input.map?.size ?? null,
    sourcePath: info.path,
    ...(info.model ? { sourceModel: info.model } : {}),
    ...(info.serial ? { sourceSerial: info.serial } : {}),
    level: input.level,
    mode: input.map?.mode ?? 'raw',
    createdAt: input.startedAt.toISOString(),
  };
}

export function buildManifest(input: {
  codec: CodecName;
  source: BackupSource;
  /** What was read: for a stream, the raw map of its size known at the end. */
  map: BlockMap;
  size: number;
  startLevel: number;
  adapt: AdaptiveRange | undefined;
  levels: LevelRuns;
  frameSize: number;
  digests: StreamDigests;
  /** Every frame's strong hash, in order. */
  hashes: FrameHashList;
  startedAt: Date;
  badRanges: ByteRange[];
}): Manifest {
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    tool: { name: 'spillway', version: TOOL_VERSION },
    createdAt: input.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    source: { ...input.source.info, size: input.size },
    partitionTable: input.map.partitionTable,
    mode: input.map.mode,
    codec: {
      name: input.codec,
      level: input.startLevel,
      ...(input.adapt ? { adaptive: input.adapt } : {}),
      levels:
        input.levels.runs.length > 0 ? input.levels.runs : [{ from: 0, level: input.startLevel }],
    },
    frameSize: input.frameSize,
    frameCount: frameCount(input.size, input.frameSize),
    size: input.size,
    streamSha256: input.digests.streamSha256,
    framesDigest: input.digests.framesDigest,
    ...(input.hashes.length === frameCount(input.size, input.frameSize)
      ? { frameHashes: input.hashes.encode() }
      : {}),
    dontCare: input.map.dontCare,
    badRanges: input.badRanges,
  };
}
