// The `spillway` subcommands. Each returns the process exit code; errors are thrown as
// SpillwayError and turned into a message and an exit code by main.ts.

import {
  backup,
  inspectImage,
  pipe,
  recompress,
  restore,
  verify,
  type ImageInfo,
  type SpillSettings,
} from '../engine/index.js';
import { describeBadRanges } from '../engine/source/careful-read.js';
import { SpillwayError } from '../engine/errors.js';
import { formatBytes, formatDuration } from '../../src-shared/units.js';
import type { CodecName } from '../../src-shared/manifest.js';
import type { SshOptions } from '../engine/endpoints/ssh/connection.js';
import { planBackup, type BackupPlan } from '../engine/backup/plan-backup.js';
import { defaultDataDir } from '../store/data-dir.js';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { VerifyResult } from '../../src-shared/protocol/events.js';
import type { Logger } from '../log/logger.js';
import { askForName } from './confirm.js';
import { EXIT } from './exit-codes.js';
import { jobIO } from './job-io.js';

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
    SshFlags & {
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
    },
): Promise<number> {
  const io = jobIO({ json: flags.json, stdoutIsData: destination === '-', log: flags.log });
  try {
    const result = await backup(
      {
        source,
        destination,
        spill: spillSettings(flags),
        ...(flags.maxWriteRate !== undefined ? { maxWriteRate: flags.maxWriteRate } : {}),
        ...(flags.adapt !== undefined ? { adapt: flags.adapt } : {}),
        ...(flags.onReadError !== undefined ? { onReadError: flags.onReadError } : {}),
        resume: flags.resume ?? false,
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
    if (!flags.json) {
      process.stderr.write(
        `Backed up ${source} (${formatBytes(result.size)}) to ${result.image}` +
          `${result.parts ? ` in ${result.parts} parts (.000 to .${String(result.parts - 1).padStart(3, '0')})` : ''}: ` +
          `${formatBytes(result.imageBytes)}, ratio ${result.ratio?.toFixed(2) ?? '—'}, ` +
          `${formatDuration(result.seconds)}\nSHA-256 ${result.streamSha256}\n`,
      );
    }
    if (result.badRanges.length > 0) {
      // Loud, whatever the output mode: the image is not a perfect copy.
      const total = result.badRanges.reduce((sum, [a, b]) => sum + b - a, 0);
      process.stderr.write(
        `\nWARNING: ${formatBytes(total)} of ${source} could not be read and are zeros in the image ` +
          `(${result.badRanges.length} range${result.badRanges.length === 1 ? '' : 's'}, recorded in it):\n` +
          describeBadRanges(result.badRanges)
            .map((line) => `  ${line}\n`)
            .join(''),
      );
    }
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
    const result = await pipe(
      {
        spill: spillSettings(flags),
        ...(flags.maxWriteRate !== undefined ? { maxWriteRate: flags.maxWriteRate } : {}),
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json && process.stderr.isTTY) {
      process.stderr.write(
        `Passed ${formatBytes(result.bytes)}, spill peak ${formatBytes(result.spillPeak)}, ` +
          `${formatDuration(result.seconds)}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

export async function restoreCommand(
  image: string,
  target: string,
  flags: JobFlags &
    SshFlags & { yes?: boolean; verify?: boolean; check?: boolean; zeroUnused?: boolean },
): Promise<number> {
  const io = jobIO({ json: flags.json, log: flags.log });
  try {
    const result = await restore(
      {
        image,
        target,
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        ...withSsh(flags),
        readBack: flags.verify ?? true,
        skipCheck: flags.check === false,
        zeroUnused: flags.zeroUnused ?? false,
        confirm: async (plan) => {
          if (flags.yes) return true;
          io.reporter.finish();
          return askForName(plan, process.stdin, process.stderr);
        },
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) {
      const readBack =
        result.readBack === true ? 'read back and compared: identical' : 'read-back skipped';
      process.stderr.write(
        `Restored ${image} to ${result.target}: ${formatBytes(result.bytesWritten)} written, ` +
          `${readBack}, ${formatDuration(result.seconds)}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

function describeVerify(result: VerifyResult): string {
  const lines: string[] = [];
  if (result.ok) {
    const what =
      result.checked === 'frames-and-stream-hash'
        ? 'every frame checksum and the SHA-256 of the whole image match'
        : result.checked === 'codec-checksums'
          ? 'the compressor’s own checksums match (made by another tool: no per-frame index)'
          : 'nothing to check: a plain image carries no checksums';
    lines.push(`OK: ${result.image} (${formatBytes(result.size)}): ${what}.`);
    if (result.streamSha256) lines.push(`SHA-256 ${result.streamSha256}`);
  } else {
    lines.push(`DAMAGED: ${result.image}`);
    for (const d of result.damage) {
      const where = [
        d.frame !== null ? `frame ${d.frame}` : null,
        d.drive ? `drive bytes ${d.drive[0]}–${d.drive[1]}` : null,
        d.file ? `file bytes ${d.file[0]}–${d.file[1]}` : null,
      ].filter(Boolean);
      lines.push(`  ${where.length > 0 ? where.join(', ') + ': ' : ''}${d.reason}`);
    }
  }
  return lines.join('\n') + '\n';
}

export async function verifyCommand(image: string, flags: JobFlags & SshFlags): Promise<number> {
  const io = jobIO({ json: flags.json, log: flags.log });
  try {
    const result = await verify(
      {
        image,
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        ...withSsh(flags),
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) io.out.write(describeVerify(result));
    return result.ok ? EXIT.ok : EXIT.damaged;
  } finally {
    io.dispose();
  }
}

function describeImage(info: ImageInfo): string {
  const m = info.manifest;
  const layout = {
    indexed: 'indexed (random access, parallel restore, per-frame verify)',
    stream: 'a compressed stream without index (made by another tool): sequential restore',
    raw: 'a plain uncompressed image',
  }[info.layout];
  const lines = [
    `Image     ${info.path}`,
    `Layout    ${layout}`,
    `Codec     ${info.codec}${m ? `, level ${m.codec.level}` : ''}`,
    `File      ${formatBytes(info.fileSize)} (${info.fileSize} bytes)`,
    `Holds     ${info.payloadSize === null ? 'unknown until decoded' : `${formatBytes(info.payloadSize)} (${info.payloadSize} bytes)`}`,
  ];
  if (info.ratio !== null) lines.push(`Ratio     ${info.ratio.toFixed(2)}`);
  if (info.frames !== null)
    lines.push(`Frames    ${info.frames}${m ? ` of ${formatBytes(m.frameSize)}` : ''}`);
  if (m) {
    const src = m.source;
    lines.push(
      `Source    ${src.path}${src.model ? ` (${src.model})` : ''}, ${formatBytes(src.size)}, ${src.kind}`,
      `Made      ${m.createdAt} by spillway ${m.tool.version}, ${m.mode} mode`,
      `SHA-256   ${m.streamSha256}`,
    );
    if (m.badRanges.length > 0) lines.push(`Unreadable ranges recorded: ${m.badRanges.length}`);
  }
  return lines.join('\n') + '\n';
}

export async function inspectCommand(
  image: string,
  flags: SshFlags & { json?: boolean },
): Promise<number> {
  const info = await inspectImage(image, sshOptions(flags));
  process.stdout.write(flags.json ? JSON.stringify(info) + '\n' : describeImage(info));
  return EXIT.ok;
}

export async function drivesCommand(flags: { json?: boolean; all?: boolean }): Promise<number> {
  const { listDrives } = await import('../drives/list-drives.js');
  const drives = await listDrives({ all: flags.all ?? false });
  if (flags.json) {
    process.stdout.write(JSON.stringify(drives) + '\n');
    return EXIT.ok;
  }
  if (drives.length === 0) {
    process.stdout.write('No drives found.\n');
    return EXIT.ok;
  }
  for (const d of drives) {
    const tags = [
      d.system ? 'system' : null,
      d.removable ? 'removable' : null,
      d.readOnly ? 'read-only' : null,
      d.virtual ? 'virtual' : null,
    ].filter(Boolean);
    process.stdout.write(
      `${d.path.padEnd(14)} ${formatBytes(d.size).padStart(10)}  ${d.busType.padEnd(7)} ` +
        `${d.description}${tags.length ? `  [${tags.join(', ')}]` : ''}` +
        `${d.mountpoints.length ? `  mounted: ${d.mountpoints.join(', ')}` : ''}\n`,
    );
  }
  return EXIT.ok;
}

export function usageError(message: string): SpillwayError {
  return new SpillwayError('usage', message);
}

export async function recompressCommand(
  image: string,
  output: string,
  flags: JobFlags & { codec: CodecName; level?: number; force?: boolean },
): Promise<number> {
  const io = jobIO({ json: flags.json, log: flags.log });
  try {
    const result = await recompress(
      {
        image,
        output,
        codec: flags.codec,
        ...(flags.level !== undefined ? { level: flags.level } : {}),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        force: flags.force ?? false,
      },
      io.context,
    );
    io.reporter.finish();
    if (!flags.json) {
      process.stderr.write(
        `Recompressed ${image} to ${result.image}: ${formatBytes(result.imageBytes)}, ` +
          `ratio ${result.ratio?.toFixed(2) ?? '—'}, ${formatDuration(result.seconds)}\n` +
          `SHA-256 ${result.streamSha256} (the same drive bytes, checked)\n`,
      );
    }
    return EXIT.ok;
  } finally {
    io.dispose();
  }
}

export async function planCommand(source: string, flags: { json?: boolean }): Promise<number> {
  const plan = await planBackup(source);
  if (flags.json) {
    process.stdout.write(JSON.stringify(plan) + '\n');
    return EXIT.ok;
  }
  const lines = [`${plan.source}: ${formatBytes(plan.size)}, ${describeTable(plan)}`];
  for (const p of plan.partitions) {
    const used = p.usedBytes !== undefined ? `${formatBytes(p.usedBytes)} used of ` : '';
    lines.push(
      `  ${String(p.index).padStart(2)}  ${(p.filesystem ?? '?').padEnd(6)} ${used}${formatBytes(p.size)}` +
        `${p.label ? ` "${p.label}"` : ''}  ${p.mode === 'used' ? 'used blocks' : `whole (${p.reason ?? 'raw'})`}`,
    );
  }
  if (plan.reason) lines.push(`  ${plan.reason}`);
  lines.push(
    `Reads ${formatBytes(plan.bytesToRead)} of ${formatBytes(plan.size)}; ` +
      `expected image ${formatBytes(plan.expectedImage[0])}–${formatBytes(plan.expectedImage[1])} with zstd -3.`,
  );
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}

function describeTable(plan: BackupPlan): string {
  if (!plan.partitionTable) return 'no partition table';
  return `${plan.partitionTable.type.toUpperCase()} partition table, ${plan.partitions.length} partitions`;
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
