// The `spillway` subcommands: each turns its flags into the engine's options, runs the job,
// prints its result in the CLI's words (result-words.ts) and returns the exit code; errors
// are thrown as SpillwayError and turned into words and an exit code by main.ts.
//
// Each command loads the part of the engine it runs when it starts (import() below): start-up
// is part of every job's time, and `spillway restore` has no use for the filesystem readers
// or the backup pipeline. Loaded at start-up, the whole engine made `restore` load 351
// modules instead of 240, and `--help` 320 instead of 127.

import type { SpillSettings } from '../engine/spill/open-spill.js';
import { SpillwayError } from '../engine/errors.js';
import type { CodecName } from '../../src-shared/manifest.js';
import type { GrowChoice, UnusedChoice } from '../../src-shared/protocol/plans.js';
import type { SshOptions } from '../engine/endpoints/ssh/connection.js';
import { defaultDataDir } from '../store/data-dir.js';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { askForClone, askForName } from './confirm.js';
import {
  ageKeysFromFlags,
  ageLockFromFlags,
  type AgeKeyFlags,
  type AgeLockFlags,
} from './age-flags.js';
import { EXIT } from './exit-codes.js';
import { jobIO } from './job-io.js';
import {
  backupSummary,
  badRangesWarning,
  drivesList,
  imageReport,
  pipeSummary,
  planReport,
  recompressSummary,
  restoreSummary,
  cloneSummary,
  verifyReport,
} from './result-words.js';

/** The package's root: the nearest folder above this file with a package.json (from src/ or
 *  build/ alike). */
const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export interface JobFlags {
  json?: boolean;
  threads?: number;
  /** The command's log (--log, --verbose). */
  log?: Logger;
}

export interface SshFlags {
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey?: boolean;
}

/** The SSH settings given, or undefined when none were (defaults then apply). */
export function sshOptions(flags: SshFlags): SshOptions | undefined {
  const options: SshOptions = {
    ...(flags.identity !== undefined ? { identity: flags.identity } : {}),
    ...(flags.knownHosts !== undefined ? { knownHosts: flags.knownHosts } : {}),
    ...(flags.acceptNewHostKey ? { acceptNewHostKey: true } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}

export interface SpillFlags {
  spill?: boolean;
  spillDir?: string;
  spillMax?: number;
  spillKeepFree?: number;
  spillCompress?: boolean;
  maxWriteRate?: number;
}

function withSsh(flags: SshFlags): { ssh?: SshOptions } {
  const ssh = sshOptions(flags);
  return ssh ? { ssh } : {};
}

/** --no-spill, or the spill folder and limits given (undefined ones take their defaults). */
function spillSettings(flags: SpillFlags): SpillSettings | false {
  if (flags.spill === false) return false;
  return {
    ...(flags.spillDir !== undefined ? { dir: flags.spillDir } : {}),
    ...(flags.spillMax !== undefined ? { max: flags.spillMax } : {}),
    ...(flags.spillKeepFree !== undefined ? { keepFree: flags.spillKeepFree } : {}),
    ...(flags.spillCompress ? { compress: true } : {}),
  };
}

export async function backupCommand(
  source: string,
  destination: string,
  flags: JobFlags &
    SpillFlags &
    SshFlags &
    AgeLockFlags & {
      codec?: CodecName;
      mode?: 'used' | 'raw';
      split?: number | false;
      level?: number;
      adapt?: { min: number; max: number };
      frameSize?: number;
      force?: boolean;
      onReadError?: 'skip' | 'stop';
      resume?: boolean;
      keepPartial?: boolean;
      base?: string;
    },
): Promise<number> {
  // Asked before the job starts: the passphrase prompt must not meet the progress line.
  const encrypt = await ageLockFromFlags(flags);
  const io = jobIO({ json: flags.json, stdoutIsData: destination === '-', log: flags.log });
  try {
    const { backup } = await import('../engine/backup/backup.js');
    const result = await backup(
      {
        source,
        destination,
        ...(encrypt ? { encrypt } : {}),
        spill: spillSettings(flags),
        ...(flags.maxWriteRate !== undefined ? { maxWriteRate: flags.maxWriteRate } : {}),
        ...(flags.adapt !== undefined ? { adapt: flags.adapt } : {}),
        ...(flags.onReadError !== undefined ? { onReadError: flags.onReadError } : {}),
        resume: flags.resume ?? false,
        ...(flags.base !== undefined ? { base: flags.base } : {}),
        keepPartial: flags.keepPartial ?? false,
        ...(flags.codec !== undefined ? { codec: flags.codec } : {}),
        ...(flags.mode !== undefined ? { mode: flags.mode } : {}),
        ...(flags.split !== undefined ? { split: flags.split } : {}),
        ...withSsh(flags),
        ...(flags.level !== undefined ? { level: flags.level } : {}),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        ...(flags.frameSize !== undefined ? { frameSize: flags.frameSize } : {}),
        force: flags.force ?? false,
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) process.stderr.write(backupSummary(source, result));
    // Loud, whatever the output mode: the image is not a perfect copy.
    if (result.badRanges.length > 0) process.stderr.write(badRangesWarning(source, result));
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

export async function pipeCommand(
  flags: SpillFlags & { json?: boolean; log?: Logger },
): Promise<number> {
  const io = jobIO({ json: flags.json, stdoutIsData: true, log: flags.log });
  try {
    const { pipe } = await import('../engine/pipe/pipe.js');
    const result = await pipe(
      {
        spill: spillSettings(flags),
        ...(flags.maxWriteRate !== undefined ? { maxWriteRate: flags.maxWriteRate } : {}),
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json && process.stderr.isTTY) process.stderr.write(pipeSummary(result));
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

export async function cloneCommand(
  source: string,
  target: string,
  flags: JobFlags & { yes?: boolean; verify?: boolean; grow?: number | false; newIds?: boolean },
): Promise<number> {
  const io = jobIO({ json: flags.json, log: flags.log });
  try {
    const { clone } = await import('../engine/clone/clone.js');
    const result = await clone(
      {
        source,
        target,
        readBack: flags.verify ?? true,
        grow: growChoice(flags.grow),
        newIds: flags.newIds ?? false,
        confirm: async (plan) => {
          if (flags.yes) return true;
          io.reporter.finish();
          return askForClone(plan, process.stdin, process.stderr);
        },
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) process.stderr.write(cloneSummary(result));
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

/** --grow N, --no-grow, or neither (the largest data partition). */
export function growChoice(flag: number | false | undefined): GrowChoice {
  return flag === false ? 'none' : (flag ?? 'largest');
}

/** --erase-unused, --zero-unused, --keep-unused: one at most; none is auto (erase). */
function unusedChoice(flags: {
  eraseUnused?: boolean;
  zeroUnused?: boolean;
  keepUnused?: boolean;
}): UnusedChoice {
  const chosen = (
    [
      ['erase', flags.eraseUnused],
      ['zero', flags.zeroUnused],
      ['keep', flags.keepUnused],
    ] as const
  ).filter(([, on]) => on === true);
  if (chosen.length > 1) {
    throw new SpillwayError(
      'usage',
      `Choose one of --erase-unused, --zero-unused and --keep-unused, not ${chosen.length}.`,
    );
  }
  return chosen[0]?.[0] ?? 'auto';
}

export async function restoreCommand(
  image: string,
  target: string,
  flags: JobFlags &
    SshFlags &
    AgeKeyFlags & {
      yes?: boolean;
      verify?: boolean;
      check?: boolean;
      checkFirst?: boolean;
      eraseUnused?: boolean;
      zeroUnused?: boolean;
      keepUnused?: boolean;
      grow?: number | false;
      newIds?: boolean;
    },
): Promise<number> {
  const unused = unusedChoice(flags);
  const io = jobIO({ json: flags.json, log: flags.log });
  try {
    const { restore } = await import('../engine/restore/restore.js');
    const result = await restore(
      {
        image,
        target,
        age: await ageKeysFromFlags(flags, () => io.reporter.finish()),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        ...withSsh(flags),
        readBack: flags.verify ?? true,
        skipCheck: flags.check === false,
        checkForeignFirst: flags.checkFirst ?? false,
        unused,
        grow: growChoice(flags.grow),
        newIds: flags.newIds ?? false,
        confirm: async (plan) => {
          if (flags.yes) return true;
          io.reporter.finish();
          return askForName(plan, process.stdin, process.stderr);
        },
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) process.stderr.write(restoreSummary(image, result));
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

export async function verifyCommand(
  image: string,
  flags: JobFlags & SshFlags & AgeKeyFlags,
): Promise<number> {
  const io = jobIO({ json: flags.json, log: flags.log });
  try {
    const { verify } = await import('../engine/verify/verify.js');
    const result = await verify(
      {
        image,
        age: await ageKeysFromFlags(flags, () => io.reporter.finish()),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        ...withSsh(flags),
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) io.out.write(verifyReport(result));
    return result.ok ? EXIT.ok : EXIT.damaged;
  } finally {
    io.dispose();
  }
}

export async function inspectCommand(
  image: string,
  flags: SshFlags & AgeKeyFlags & { json?: boolean },
): Promise<number> {
  const { inspectImage } = await import('../engine/inspect/inspect.js');
  const info = await inspectImage(image, sshOptions(flags), await ageKeysFromFlags(flags));
  process.stdout.write(flags.json ? JSON.stringify(info) + '\n' : imageReport(info));
  return EXIT.ok;
}

export async function drivesCommand(flags: { json?: boolean; all?: boolean }): Promise<number> {
  const { listDrives } = await import('../drives/list-drives.js');
  const drives = await listDrives({ all: flags.all ?? false });
  process.stdout.write(flags.json ? JSON.stringify(drives) + '\n' : drivesList(drives));
  return EXIT.ok;
}

export function usageError(message: string): SpillwayError {
  return new SpillwayError('usage', message);
}

export async function recompressCommand(
  image: string,
  output: string,
  flags: JobFlags &
    AgeKeyFlags &
    Omit<AgeLockFlags, 'passphraseFile'> & {
      codec: CodecName;
      level?: number;
      force?: boolean;
      newPassphraseFile?: string;
    },
): Promise<number> {
  const encrypt = await ageLockFromFlags({
    ...(flags.encrypt ? { encrypt: true } : {}),
    ...(flags.newPassphraseFile ? { passphraseFile: flags.newPassphraseFile } : {}),
    ...(flags.recipient ? { recipient: flags.recipient } : {}),
    ...(flags.recipientsFile ? { recipientsFile: flags.recipientsFile } : {}),
  });
  const io = jobIO({ json: flags.json, log: flags.log });
  try {
    const { recompress } = await import('../engine/recompress/recompress.js');
    const result = await recompress(
      {
        image,
        output,
        ...(encrypt ? { encrypt } : {}),
        age: await ageKeysFromFlags(flags, () => io.reporter.finish()),
        codec: flags.codec,
        ...(flags.level !== undefined ? { level: flags.level } : {}),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        force: flags.force ?? false,
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) process.stderr.write(recompressSummary(image, result));
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

export async function planCommand(source: string, flags: { json?: boolean }): Promise<number> {
  const { planBackup } = await import('../engine/backup/plan-backup.js');
  const plan = await planBackup(source);
  process.stdout.write(flags.json ? JSON.stringify(plan) + '\n' : planReport(plan));
  return EXIT.ok;
}

export async function uiCommand(flags: { port?: number; log?: Logger }): Promise<number> {
  // The app's backend and the web server load only for `spillway ui`.
  const { appBackend } = await import('../api/app-backend.js');
  const { startWebServer } = await import('../web/web-server.js');
  const backend = appBackend(defaultDataDir());
  flags.log?.info(`spillway ui: its log is ${backend.log?.file}`);
  const server = await startWebServer({
    backend,
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    rendererDir: join(PACKAGE_ROOT, 'build', 'renderer'),
  });
  process.stdout.write(
    `Spillway is at ${server.url}\n` +
      'Open it in a browser on this machine (the token in it is the key). Ctrl-C stops.\n' +
      `Its log: ${backend.log?.file}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await backend.runner.close();
  return EXIT.ok;
}
