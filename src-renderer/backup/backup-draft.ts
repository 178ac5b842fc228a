// The backup wizard's state and its rules, as pure data and functions: which step may be
// left and why not, what the destination check says about room, and the API call the
// summary starts. The components only draw this.

import type { BackupParams, CompressionSample, DestinationCheck } from '../../src-shared/api.js';
import type { BackupPlan } from '../../src-shared/protocol/plans.js';
import type { DriveIdentity, DrivePlan } from '../../src-shared/drive-plan.js';
import { CODEC_EXTENSIONS, CODEC_LEVELS } from '../../src-shared/codec-facts.js';
import type { CodecName } from '../../src-shared/manifest.js';
import { formatBytes, parseSize } from '../../src-shared/units.js';
import { nameTaken, uniqueImageName } from '../../src-shared/image-names.js';

export const BACKUP_STEPS = ['source', 'read', 'compression', 'destination', 'summary'] as const;
export type BackupStep = (typeof BACKUP_STEPS)[number];

export const BACKUP_STEP_TITLES: Record<BackupStep, string> = {
  source: 'Source',
  read: 'What is read',
  compression: 'Compression',
  destination: 'Destination',
  summary: 'Summary',
};

/** Advanced settings are text as typed ("256M"); they are parsed when checked. */
export interface AdvancedSettings {
  spillDir: string;
  spillMax: string;
  spillCompress: boolean;
  frameSizeMiB: number;
  threads: string;
  maxWriteRate: string;
}

export interface BackupDraft {
  step: BackupStep;
  source: string | null;
  plan: BackupPlan | null;
  mode: 'used' | 'raw';
  codec: CodecName;
  level: number;
  adaptive: boolean;
  sample: CompressionSample | null;
  folder: string;
  fileName: string;
  destination: DestinationCheck | null;
  /** Names the destination folder holds (null until listed). */
  taken: string[] | null;
  /** The file name is the one made up, not typed: it follows the codec and the folder. */
  fileNameChosen: boolean;
  split: boolean;
  advanced: AdvancedSettings;
  verifyAfter: boolean;
  /** Remember these settings for the drive (its plan), for "Back up now". */
  remember: boolean;
  /** The plan's "keep the newest N images", as typed; empty keeps them all. */
  keep: string;
  /** The plan's backup starts by itself when the drive is plugged in (else it is offered). */
  autoStart: boolean;
  /** "Encrypt with a password": the password typed twice, and the tick that it is stored.
   *  Held in this draft (memory) only, until the backup and its verify have started. */
  encryption: Encryption;
}

export interface Encryption {
  on: boolean;
  password: string;
  again: string;
  stored: boolean;
}

export const NO_ENCRYPTION: Encryption = { on: false, password: '', again: '', stored: false };

/** The codecs whose images can be encrypted: the index is inside the image, so the one
 *  age file holds everything (gzip, xz and uncompressed images keep it in a second file). */
export function encryptable(codec: CodecName): boolean {
  return codec === 'zstd' || codec === 'lz4';
}

/** What an encrypted image's name ends with after its codec's (disk.img.zst.age). */
export const ENCRYPTED_EXTENSION = '.age';

/** Why the encryption chosen cannot be used yet, or null when it can (or is off). */
export function encryptionProblem(draft: BackupDraft): string | null {
  const { on, password, again, stored } = draft.encryption;
  if (!on) return null;
  if (!encryptable(draft.codec)) {
    return 'Only zstd and lz4 images can be encrypted: choose one of them under Compression.';
  }
  if (password === '') return 'Type a password for the image.';
  if (again !== password) return 'The two passwords differ: type the same one twice.';
  if (!stored) {
    return 'Tick “I have stored this password”: without it the image cannot be opened.';
  }
  if (!draft.fileName.trim().endsWith(ENCRYPTED_EXTENSION)) {
    return `An encrypted image’s name ends with ${ENCRYPTED_EXTENSION}.`;
  }
  return null;
}

export const DEFAULT_ADVANCED: AdvancedSettings = {
  spillDir: '',
  spillMax: '',
  spillCompress: false,
  frameSizeMiB: 4,
  threads: '',
  maxWriteRate: '',
};

export function newBackupDraft(): BackupDraft {
  return {
    step: 'source',
    source: null,
    plan: null,
    mode: 'used',
    codec: 'zstd',
    level: CODEC_LEVELS.zstd.default,
    adaptive: false,
    sample: null,
    folder: '',
    fileName: '',
    destination: null,
    taken: null,
    fileNameChosen: false,
    split: false,
    advanced: DEFAULT_ADVANCED,
    verifyAfter: true,
    remember: false,
    keep: '3',
    autoStart: false,
    encryption: NO_ENCRYPTION,
  };
}

/** The keep count as typed: a whole number from 1 to 1000, or empty for "keep them all". */
export function keepCount(text: string): number | null | 'invalid' {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 'invalid';
}

/** The plan "Remember these settings for this drive" saves (null when it cannot). */
export function drivePlanOf(draft: BackupDraft, drive: DriveIdentity): DrivePlan | null {
  const keep = keepCount(draft.keep);
  // The password is never stored, so a remembered backup could not encrypt: none is made.
  if (keep === 'invalid' || draft.folder.trim() === '' || draft.encryption.on) return null;
  return {
    drive,
    destination: draft.folder.replace(/(.)\/+$/, '$1'),
    codec: draft.codec,
    level: draft.level,
    mode: draft.mode,
    keep,
    autoStart: draft.autoStart,
  };
}

/**
 * "SanDisk-Cruzer-Blade-2026-11-22-1030.img.zst": the drive's name (what the list calls it,
 * its notes in parentheses left out) or a file's own name, the day and time, the codec's
 * extension; "-2", "-3" … when the folder (`taken`: the names it holds) has it already.
 */
export function defaultFileName(
  source: string,
  codec: CodecName,
  now: Date,
  taken: readonly string[] = [],
  /** The listed drive's name; a file (or an unlisted drive) is named by its path. */
  name: string = source,
  encrypted = false,
): string {
  const extension = CODEC_EXTENSIONS[codec] + (encrypted ? ENCRYPTED_EXTENSION : '');
  return uniqueImageName(source, extension, now, new Set(taken), name);
}

/** The chosen name is already in the folder (as an image, its first part, or one being
 *  written): it would be refused at Start. */
export function fileNameTaken(draft: BackupDraft): boolean {
  return draft.taken !== null && nameTaken(draft.fileName.trim(), new Set(draft.taken));
}

/** Swaps the file name's codec extension when the codec changes (a name the user typed
 *  without a known extension keeps it), and ends it with .age when encrypted, not when not. */
export function withExtension(fileName: string, codec: CodecName, encrypted = false): string {
  const plain = fileName.endsWith(ENCRYPTED_EXTENSION)
    ? fileName.slice(0, -ENCRYPTED_EXTENSION.length)
    : fileName;
  const known = Object.values(CODEC_EXTENSIONS).sort((a, b) => b.length - a.length);
  const current = known.find((ext) => plain.endsWith(ext));
  const named = current ? plain.slice(0, -current.length) + CODEC_EXTENSIONS[codec] : plain;
  return encrypted ? named + ENCRYPTED_EXTENSION : named;
}

/** Bytes the backup reads: used blocks, or the whole drive for an exact copy. */
export function bytesToRead(draft: BackupDraft): number | null {
  if (!draft.plan) return null;
  return draft.mode === 'raw' ? draft.plan.size : draft.plan.bytesToRead;
}

/** Bytes the image is expected to take: what is read over the sample's ratio, else the
 *  plan's high end (an exact copy's free space may hold stale data: assume it does). */
export function expectedImageBytes(draft: BackupDraft): number | null {
  const read = bytesToRead(draft);
  if (read === null) return null;
  if (draft.codec === 'none') return read;
  const sample = draft.sample;
  if (sample && sample.codec === draft.codec && sample.level === draft.level) {
    return Math.round(read / sample.ratio);
  }
  return draft.mode === 'raw' ? Math.round(read / 1.2) : draft.plan!.expectedImage[1];
}

/** A warning about room on the destination, or null when it clearly fits. */
export function roomWarning(draft: BackupDraft): string | null {
  const check = draft.destination;
  const expected = expectedImageBytes(draft);
  if (!check?.usable || expected === null) return null;
  if (check.free < expected) {
    return (
      `The image is expected to take about ${formatBytes(expected)}, but only ` +
      `${formatBytes(check.free)} is free there. Choose another folder or free some space.`
    );
  }
  if (check.free < expected * 1.2) {
    return `Only ${formatBytes(check.free)} free for an image of about ${formatBytes(expected)}: it may not fit.`;
  }
  return null;
}

const DESTINATION_PROBLEMS = {
  missing: 'That folder does not exist.',
  'not-a-folder': 'That is a file, not a folder.',
  'read-only': 'Spillway cannot write to that folder.',
} as const;

/** Parses the advanced settings; the first wrong one is named. */
export function advancedProblem(advanced: AdvancedSettings): string | null {
  const sizes: Array<[string, string]> = [
    [advanced.spillMax, 'The spill limit'],
    [advanced.maxWriteRate, 'The write speed limit'],
  ];
  for (const [text, name] of sizes) {
    if (text.trim() === '') continue;
    try {
      if (parseSize(text) <= 0) return `${name} must be more than zero.`;
    } catch {
      return `${name} "${text}" is not a size such as 512M or 2G.`;
    }
  }
  if (advanced.threads.trim() !== '') {
    const threads = Number(advanced.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      return 'Threads must be a whole number from 1 to 256.';
    }
  }
  return null;
}

/** Why the wizard cannot go on from this step, or null when it can. */
export function stepProblem(draft: BackupDraft): string | null {
  switch (draft.step) {
    case 'source':
      if (!draft.source) return 'Choose a drive or an image file to back up.';
      if (!draft.plan) return 'Looking at the drive…';
      return null;
    case 'read':
      return null;
    case 'compression': {
      const { min, max } = CODEC_LEVELS[draft.codec];
      if (draft.level < min || draft.level > max) return `Levels go from ${min} to ${max}.`;
      return null;
    }
    case 'destination':
      if (draft.folder.trim() === '') return 'Choose a folder for the image.';
      if (draft.fileName.trim() === '' || draft.fileName.includes('/')) {
        return 'Give the image a file name (without "/").';
      }
      if (!draft.destination || draft.destination.folder !== draft.folder) {
        return 'Checking the folder…';
      }
      if (!draft.destination.usable) return DESTINATION_PROBLEMS[draft.destination.problem];
      if (fileNameTaken(draft)) {
        return `${draft.fileName.trim()} is already in that folder: choose another name.`;
      }
      return encryptionProblem(draft) ?? advancedProblem(draft.advanced);
    case 'summary':
      if (encryptionProblem(draft) !== null) return encryptionProblem(draft);
      if (draft.remember && keepCount(draft.keep) === 'invalid') {
        return 'Keep between 1 and 1000 images, or leave it empty to keep them all.';
      }
      return null;
  }
}

export function imagePath(draft: BackupDraft): string {
  const folder = draft.folder.replace(/\/+$/, '');
  return `${folder}/${draft.fileName}`;
}

/** Adaptive zstd goes as low as level 1 when the backlog grows, and as high as the chosen
 *  level or 9, whichever is more, when the compressors idle: beyond 9 zstd slows down
 *  sharply for little gain, so "adaptive" never lands a user on level 19 by surprise. */
export function adaptiveRange(level: number): { min: number; max: number } {
  const { min, max } = CODEC_LEVELS.zstd;
  return { min, max: Math.min(max, Math.max(level, 9)) };
}

/** The startBackup call the summary makes. */
export function backupParams(draft: BackupDraft): BackupParams {
  if (!draft.source) throw new Error('no source');
  const { advanced } = draft;
  const size = (text: string) => (text.trim() === '' ? undefined : parseSize(text));
  const params: BackupParams = {
    source: draft.source,
    destination: imagePath(draft),
    codec: draft.codec,
    level: draft.level,
    mode: draft.mode,
    ...(draft.adaptive && draft.codec === 'zstd' ? { adapt: adaptiveRange(draft.level) } : {}),
    ...(draft.destination?.usable && draft.destination.splitAt !== null && !draft.split
      ? { split: false as const }
      : {}),
    ...(advanced.spillDir.trim() !== '' ? { spillDir: advanced.spillDir.trim() } : {}),
    ...(size(advanced.spillMax) !== undefined ? { spillMax: size(advanced.spillMax)! } : {}),
    ...(advanced.spillCompress ? { spillCompress: true } : {}),
    ...(size(advanced.maxWriteRate) !== undefined
      ? { maxWriteRate: size(advanced.maxWriteRate)! }
      : {}),
    ...(advanced.threads.trim() !== '' ? { threads: Number(advanced.threads) } : {}),
    ...(advanced.frameSizeMiB !== 4 ? { frameSize: advanced.frameSizeMiB * 2 ** 20 } : {}),
    ...(draft.encryption.on ? { encrypt: { passphrase: draft.encryption.password } } : {}),
  };
  return params;
}
