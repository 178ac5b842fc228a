// What a backup can be asked, and the checks made before anything is opened: a wrong value
// is a usage error with words, not a failure half-way.

import type { Readable, Writable } from 'node:stream';
import type { CodecName } from '../../../src-shared/manifest.js';
import { formatBytes } from '../../../src-shared/units.js';
import { CODEC_INFO } from '../codecs/codec-info.js';
import { isStreamDestination } from '../endpoints/open-sink.js';
import { MIN_PART_SIZE } from '../endpoints/split/part-names.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import type { AgeLock } from '../endpoints/age/age-keys.js';
import { SpillwayError } from '../errors.js';
import { checkFrameSize, DEFAULT_FRAME_SIZE } from '../format/frame-size.js';
import { defaultThreads } from '../pool/codec-pool.js';
import type { OnReadError } from '../source/careful-read.js';
import type { SpillSettings } from '../spill/open-spill.js';
import type { AdaptiveRange } from './level-controller.js';

export interface BackupOptions {
  /** Drive, file, or "-" for stdin. */
  source: string;
  /** Image file, folder, or "-" for stdout. */
  destination: string;
  /** used (default): read only what the filesystems use; raw: every byte (--mode). */
  mode?: 'used' | 'raw';
  /** zstd (default), lz4, gzip, xz or none (--codec). */
  codec?: CodecName;
  level?: number;
  /** Let the level follow the backlog between these levels (--adapt). */
  adapt?: AdaptiveRange;
  threads?: number;
  frameSize?: number;
  /** The spill buffer's folder and limits; false for a memory queue only (--no-spill). */
  spill?: SpillSettings | false;
  /** Write the image no faster than this, bytes per second (--max-write-rate). */
  maxWriteRate?: number;
  /** What to do with sectors that cannot be read: zero-fill and record them, or stop. */
  onReadError?: OnReadError;
  /**
   * An earlier image of the same drive (--base): frames found unchanged are copied from it
   * instead of compressed. The new image does not depend on it.
   */
  base?: string;
  /** Continue an interrupted backup (DESTINATION.incomplete) from its last complete frame. */
  resume?: boolean;
  /** On failure keep what was written as DESTINATION.incomplete (for --resume). */
  keepPartial?: boolean;
  /** Write the image as parts of this many bytes; false never splits. By default images
   *  are split below 4 GiB on FAT32 destinations, which cannot hold larger files. */
  split?: number | false;
  /** How to reach and trust the machine of an ssh:// destination. */
  ssh?: SshOptions;
  /** Replace an existing destination file. */
  force?: boolean;
  /** Encrypt the image (an age file around it, NAME.img.zst.age): zstd and lz4 only. */
  encrypt?: AgeLock;
  stdin?: Readable;
  stdout?: Writable;
}

/** The options a backup runs with, checked, defaults filled in. */
export interface BackupSettings {
  codec: CodecName;
  startLevel: number;
  frameSize: number;
  threads: number;
}

export function checkBackupOptions(options: BackupOptions): BackupSettings {
  const codec = options.codec ?? 'zstd';
  const settings = {
    codec,
    startLevel: options.level ?? CODEC_INFO[codec].levels.default,
    frameSize: options.frameSize ?? DEFAULT_FRAME_SIZE,
    threads: options.threads ?? defaultThreads(),
  };
  checkLevel(codec, settings.startLevel);
  if (options.adapt) checkAdaptiveRange(codec, options.adapt);
  checkFrameSizeOption(settings.frameSize);
  checkRate(options.maxWriteRate);
  if (typeof options.split === 'number') checkSplit(options.split, options.destination);
  if (options.base !== undefined && options.resume) {
    throw new SpillwayError(
      'usage',
      'A backup that reuses an earlier image cannot also resume an unfinished one.',
      { facts: { option: 'base' } },
    );
  }
  if (options.encrypt) checkEncryptable(codec);
  return settings;
}

/**
 * gzip, xz and uncompressed images keep their index and manifest in a file beside the
 * image: encrypting that file too would make two age files that only Spillway knows belong
 * together, and leaving it plain would tell what the drive holds. zstd and LZ4 images carry
 * theirs inside, so the one age file is the whole image.
 */
export function checkEncryptable(codec: CodecName): void {
  if (CODEC_INFO[codec].index !== 'in-file') {
    throw new SpillwayError(
      'usage',
      `A ${codec} image cannot be encrypted: its index would be a second file beside it. ` +
        'Encrypted images are zstd or lz4.',
    );
  }
}

export function checkLevel(codec: CodecName, level: number): void {
  const { min, max } = CODEC_INFO[codec].levels;
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new SpillwayError(
      'usage',
      min === max ? `${codec} has one level: ${min}.` : `${codec} levels go from ${min} to ${max}.`,
    );
  }
}

export function checkAdaptiveRange(codec: CodecName, range: AdaptiveRange): void {
  if (codec !== 'zstd') {
    // The other codecs' levels differ too much in speed and memory to switch between frames.
    throw new SpillwayError('usage', 'An adaptive level works with zstd only.', {
      facts: { option: 'adapt' },
    });
  }
  checkLevel(codec, range.min);
  checkLevel(codec, range.max);
  if (range.min > range.max) {
    throw new SpillwayError(
      'usage',
      `An adaptive level needs its lowest level first: ${range.min} is above ${range.max}.`,
      { facts: { option: 'adapt' } },
    );
  }
}

export function checkFrameSizeOption(size: number): void {
  try {
    checkFrameSize(size);
  } catch (error) {
    throw new SpillwayError('usage', (error as Error).message);
  }
}

export function checkRate(rate: number | undefined): void {
  if (rate !== undefined && !(rate > 0)) {
    throw new SpillwayError(
      'usage',
      'The write speed limit must be a positive rate such as 100M.',
      {
        facts: { option: 'maxWriteRate' },
      },
    );
  }
}

function checkSplit(partSize: number, destination: string): void {
  if (isStreamDestination(destination)) {
    throw new SpillwayError(
      'usage',
      'Only an image saved to a file on this machine can be split.',
      {
        facts: { option: 'split' },
      },
    );
  }
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new SpillwayError(
      'usage',
      `Split parts must be at least ${formatBytes(MIN_PART_SIZE)}.`,
      { facts: { option: 'split', min: MIN_PART_SIZE } },
    );
  }
}
