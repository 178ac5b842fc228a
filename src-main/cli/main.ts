// `spillway`: the command line. Parses arguments, runs one command, turns its outcome into an
// exit code (exit-codes.ts) and any error into one line a person can act on.

import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SpillwayError, toErrorInfo } from '../engine/errors.js';
import { TOOL_VERSION } from '../engine/version.js';
import { cliWords } from './error-words.js';
import { parseSize } from '../../src-shared/units.js';
import { CODEC_NAMES } from '../../src-shared/manifest.js';
import {
  backupCommand,
  drivesCommand,
  inspectCommand,
  pipeCommand,
  planCommand,
  uiCommand,
  recompressCommand,
  restoreCommand,
  cloneCommand,
  verifyCommand,
} from './commands.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import {
  createLogger,
  silentLogger,
  streamSink,
  type Logger,
  type LogSink,
} from '../log/logger.js';
import type { BrowseFlags } from './browse-commands.js';
import { sshOptions, type SshFlags } from './commands.js';
import { ageKeysFromFlags, type AgeKeyFlags } from './age-flags.js';

/** The browse and mount commands, loaded when one of them runs: they bring the filesystem
 *  readers, which no other command needs at start-up (commands.ts loads the engine likewise). */
const browseCommands = () => import('./browse-commands.js');
const mountCommands = () => import('./mount-commands.js');

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number');
  return n;
}

function size(value: string): number {
  try {
    return parseSize(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** A partition number for --grow. */
function partitionNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('give a partition number, such as 2');
  return n;
}

/** "1,9" → {min: 1, max: 9}; no value → the whole zstd range. */
function levelRange(value: string | undefined): { min: number; max: number } {
  if (value === undefined) return { min: 1, max: 19 };
  const match = /^(\d+),(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('give the range as MIN,MAX, for example 1,9');
  return { min: Number(match[1]), max: Number(match[2]) };
}

/** How to reach ssh:// destinations and images, shared by every command that takes one. */
function addSshOptions(command: Command): Command {
  return command
    .option(
      '--identity <file>',
      'ssh:// — the private key to log in with (default: agent, ~/.ssh/id_*)',
    )
    .option('--known-hosts <file>', 'ssh:// — the known_hosts file (default ~/.ssh/known_hosts)')
    .option(
      '--accept-new-host-key',
      'ssh:// — trust a host seen for the first time, and remember it',
    );
}

/** What opens an encrypted image, shared by every command that reads one. */
function addAgeKeyOptions(command: Command): Command {
  return command
    .option('--passphrase-file <file>', 'encrypted image: its passphrase (first line of FILE)')
    .option('--age-identity <file>', 'encrypted image: an age secret key file (age-keygen)');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** How a new image is encrypted (age). */
function addAgeLockOptions(command: Command, passphraseFile: string): Command {
  return command
    .option('--encrypt', 'encrypt the image (age) with a passphrase, typed twice')
    .option(`${passphraseFile} <file>`, 'encrypt with the passphrase in FILE (its first line)')
    .option('--recipient <age1…>', 'encrypt to this age public key (repeatable)', collect)
    .option('--recipients-file <file>', 'encrypt to the age public keys in FILE');
}

/** The spill buffer's options, shared by backup and pipe. */
function addSpillOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--spill-dir <dir>', 'folder for the spill buffer (default: the temp folder)'),
    )
    .addOption(
      new Option('--spill-max <size>', 'most disk space the spill may use').argParser(size),
    )
    .addOption(
      new Option(
        '--spill-keep-free <size>',
        'free space to leave on the spill volume (default: 5% or 2G)',
      ).argParser(size),
    )
    .option('--no-spill', 'never spill to disk: the reader waits for slower stages')
    .option('--spill-compress', 'store spilled frames compressed (less disk, some CPU)')
    .addOption(
      new Option('--max-write-rate <rate>', 'write no faster than this, e.g. 100M').argParser(size),
    );
}

const threads = () =>
  new Option('--threads <n>', 'compression threads (default: one per core)').argParser(integer);
const json = () => new Option('--json', 'print one JSON event per line instead of a progress bar');

/** A command to run, once the log it writes to is set up. */
export type Work = (log: Logger) => Promise<number>;

export function buildProgram(run: (work: Work) => void): Command {
  const program = new Command('spillway')
    .description('Back up whole drives into compressed, verifiable images, and restore them.')
    .version(TOOL_VERSION)
    .showHelpAfterError()
    .exitOverride()
    .option('--log <file>', 'keep a log of what happened, with the details of any error, in FILE')
    .option('--verbose', 'write the log’s lines (steps, error details) to stderr too');

  const backup = program
    .command('backup')
    .description('read a drive (or file, or - for stdin) into an image (or - for stdout)')
    .argument('<source>', 'drive such as /dev/sdb, a file, or -')
    .argument('<destination>', 'image file, a folder to put it in, ssh://user@host/path, or -')
    .addOption(
      new Option(
        '--codec <name>',
        'zstd (.img.zst), lz4 (.img.lz4, fastest), gzip (.img.gz), xz (.img.xz, smallest, slow) or none (.img)',
      )
        .choices([...CODEC_NAMES])
        .default('zstd'),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'used: read only what the filesystems use (unread bytes are zeros); raw: every byte',
      )
        .choices(['used', 'raw'])
        .default('used'),
    )
    .addOption(
      new Option(
        '--level <n>',
        'compression level: zstd 1–19 (default 3), gzip 1–9 (6), xz 0–9 (6)',
      ).argParser(integer),
    )
    .addOption(
      new Option(
        '--adapt [min,max]',
        'zstd: let the level follow the backlog (default range 1,19)',
      ).argParser(levelRange),
    )
    .addOption(threads())
    .addOption(
      new Option('--frame-size <size>', 'bytes per frame, a power of two (default 4M)').argParser(
        size,
      ),
    )
    .addOption(
      new Option(
        '--split <size>',
        'write parts of SIZE (NAME.000, .001, …); automatic below 4 GiB on FAT32',
      ).argParser(size),
    )
    .option('--no-split', 'never split, not even on FAT32')
    .option('--force', 'replace the destination file if it exists')
    .addOption(
      new Option('--on-read-error <what>', 'unreadable sectors: zero-fill and record them, or stop')
        .choices(['skip', 'stop'])
        .default('skip'),
    )
    .option(
      '--base <image>',
      'an earlier image of this drive: copy its frames that are unchanged instead of compressing them',
    )
    .option('--resume', 'continue an interrupted backup (DESTINATION.incomplete)')
    .option('--keep-partial', 'on failure, keep what was written as DESTINATION.incomplete')
    .addOption(json());
  addAgeLockOptions(backup, '--passphrase-file');
  addSshOptions(addSpillOptions(backup)).action((source: string, destination: string, flags) =>
    run((log) => backupCommand(source, destination, { ...flags, log })),
  );

  addSpillOptions(
    program
      .command('pipe')
      .description(
        'stdin to stdout through the spill buffer: the writer into it never waits while under the cap',
      ),
  )
    .addOption(json())
    .action((flags) => run((log) => pipeCommand({ ...flags, log })));

  addSshOptions(
    addAgeKeyOptions(
      program
        .command('restore')
        .description('write an image back to a drive (or file), then read it back and compare')
        .argument(
          '<image>',
          'a Spillway image (file, first part, or ssh://user@host/path), or a .img/.img.zst/.img.gz/.img.xz from other tools',
        )
        .argument('<target>', 'drive such as /dev/sdb, or a file')
        .option('-y, --yes', 'do not ask to type the drive’s name')
        .option('--no-verify', 'skip reading the written bytes back')
        .option('--no-check', 'skip checking the whole image before writing')
        .option(
          '--check-first',
          'images made by other tools: decode the whole image once before writing (a second decode; by default their checksums are checked as they are written)',
        )
        .option(
          '--erase-unused',
          'make the target’s old data unreadable where no filesystem of the image is: discard (TRIM) where the drive supports it and read a sample back, zeros elsewhere (the default)',
        )
        .option('--zero-unused', 'write zeros where no filesystem of the image is')
        .option(
          '--keep-unused',
          'leave the target’s old bytes where no filesystem of the image is (fastest; they stay readable)',
        )
        .option(
          '--grow <n>',
          'on a larger drive, grow partition N to fill it (default: the largest data partition)',
          partitionNumber,
        )
        .option('--no-grow', 'on a larger drive, keep the partitions where they were')
        .option('--new-ids', 'give the disk and its partitions new identifiers (GUIDs)')
        .addOption(threads())
        .addOption(json()),
    ),
  ).action((image: string, target: string, flags) =>
    run((log) => restoreCommand(image, target, { ...flags, log })),
  );

  program
    .command('clone')
    .description(
      'copy a drive onto another (what its filesystems use), then read it back and compare; ' +
        'on a larger drive the largest data partition grows to fill it',
    )
    .argument('<source>', 'drive to copy, such as /dev/sdb')
    .argument('<target>', 'drive to write, such as /dev/sdc (everything on it is erased)')
    .option('-y, --yes', 'do not ask to type the target drive’s name')
    .option('--no-verify', 'skip reading the written bytes back')
    .option(
      '--grow <n>',
      'on a larger drive, grow partition N to fill it (default: the largest data partition)',
      partitionNumber,
    )
    .option('--no-grow', 'on a larger drive, keep the partitions where they were')
    .option('--new-ids', 'give the copy new disk and partition identifiers (GUIDs)')
    .addOption(json())
    .action((source: string, target: string, flags) =>
      run((log) => cloneCommand(source, target, { ...flags, log })),
    );

  addSshOptions(
    addAgeKeyOptions(
      program
        .command('verify')
        .description('check every frame and the whole-image SHA-256; name any damaged range')
        .argument('<image>')
        .addOption(threads())
        .addOption(json()),
    ),
  ).action((image: string, flags) => run((log) => verifyCommand(image, { ...flags, log })));

  program
    .command('plan')
    .description('what a backup of a drive would read: partitions, filesystems, used space')
    .argument('<source>', 'drive such as /dev/sdb, or a disk image file')
    .addOption(json())
    .action((source: string, flags) => run(() => planCommand(source, flags)));

  program
    .command('ui')
    .description('serve the user interface and its API to a browser on this machine')
    .addOption(
      new Option('--port <n>', 'port on 127.0.0.1 (default: any free one)').argParser(integer),
    )
    .action((flags: { port?: number }) => run((log) => uiCommand({ ...flags, log })));

  const recompress = program
    .command('recompress')
    .description('compress an image again with another codec or level; the drive bytes are checked')
    .argument('<image>', 'a Spillway image')
    .argument('<output>', 'the new image file')
    .addOption(
      new Option('--codec <name>', 'zstd, lz4, gzip, xz or none')
        .choices([...CODEC_NAMES])
        .makeOptionMandatory(),
    )
    .addOption(new Option('--level <n>', 'the new level (default: the codec’s)').argParser(integer))
    .option('--force', 'replace the output file if it exists')
    .addOption(threads())
    .addOption(json());
  addAgeLockOptions(addAgeKeyOptions(recompress), '--new-passphrase-file').action(
    (image: string, output: string, flags) =>
      run((log) => recompressCommand(image, output, { ...flags, log })),
  );

  addSshOptions(
    addAgeKeyOptions(
      program
        .command('inspect')
        .description('show what an image holds, without decompressing it')
        .argument('<image>')
        .addOption(json()),
    ),
  ).action((image: string, flags) => run(() => inspectCommand(image, flags)));

  /** What the browsing commands take: --json, --threads, how to reach ssh:// images. */
  const browseFlags = async (
    flags: SshFlags & AgeKeyFlags & { json?: boolean; threads?: number },
  ): Promise<BrowseFlags> => {
    const ssh = sshOptions(flags);
    return {
      ...(flags.json ? { json: true } : {}),
      ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
      ...(ssh ? { ssh } : {}),
      age: await ageKeysFromFlags(flags),
    };
  };

  addSshOptions(
    addAgeKeyOptions(
      program
        .command('ls')
        .description('list the partitions of an image, or a folder in one (N:/path)')
        .argument('<image>', 'a Spillway image (file, first part, or ssh://…), or a plain .img')
        .argument(
          '[path]',
          'N:/path: a folder (or file) of partition N; /path when one partition has files',
        )
        .addOption(threads())
        .option('--json', 'print the listing as JSON')
        .option('--stats', 'also say on stderr how many frames of the image were decoded'),
    ),
  ).action((image: string, path: string | undefined, flags) =>
    run(async () =>
      (await browseCommands()).lsCommand(image, path, {
        ...(await browseFlags(flags)),
        stats: flags.stats === true,
      }),
    ),
  );

  addSshOptions(
    addAgeKeyOptions(
      program
        .command('find')
        .description(
          'find names in a partition of an image: * ? [a-z]; case-insensitive on FAT, exFAT, NTFS',
        )
        .argument('<image>')
        .argument(
          '<pattern>',
          'N:PATTERN, e.g. 2:*.jpg; a pattern with / matches whole paths (** spans folders)',
        )
        .addOption(threads())
        .option('--json', 'print one JSON line per match'),
    ),
  ).action((image: string, pattern: string, flags) =>
    run(async () => (await browseCommands()).findCommand(image, pattern, await browseFlags(flags))),
  );

  addSshOptions(
    addAgeKeyOptions(
      program
        .command('extract')
        .description('copy files or folders out of an image, keeping names, times and permissions')
        .argument('<image>')
        .argument(
          '<paths...>',
          'N:/path ... then the folder to copy into (N:/ copies a whole partition)',
        )
        .option('--force', 'replace files already in the folder, and merge into folders')
        .addOption(threads())
        .addOption(json()),
    ),
  ).action((image: string, paths: string[], flags) =>
    run(async () =>
      (await browseCommands()).extractCommand(image, paths, {
        ...(await browseFlags(flags)),
        force: flags.force ?? false,
      }),
    ),
  );

  program
    .command('mount')
    .description(
      'Linux, root: show the partitions of an image read-only in a folder, through the system’s drivers, until unmounted',
    )
    .argument('<image>', 'a Spillway image (file or first part), or a plain .img')
    .argument('<dir>', 'an empty folder: each partition appears in DIR/N-label')
    .addOption(threads())
    .action((image: string, dir: string, flags) =>
      run(async (log) => (await mountCommands()).mountCommand(image, dir, { ...flags, log })),
    );

  program
    .command('unmount')
    .description('undo `spillway mount`: unmount, detach, and stop serving the image')
    .argument('<dir>', 'the folder given to mount')
    .action((dir: string) => run(async () => (await mountCommands()).unmountCommand(dir)));

  program
    .command('drives')
    .description('list the drives of this computer')
    .option('--all', 'also list loop and other virtual devices')
    .addOption(json())
    .action((flags) => run(() => drivesCommand(flags)));

  return program;
}

/** Where the log goes: the --log file, and stderr too with --verbose. */
function cliLogger(options: { log?: string; verbose?: boolean }): Logger {
  const sinks: LogSink[] = [];
  if (options.log !== undefined) sinks.push(appendingFile(options.log));
  if (options.verbose) sinks.push(streamSink(process.stderr));
  if (sinks.length === 0) return silentLogger;
  return createLogger({
    level: options.verbose ? 'debug' : 'info',
    sinks,
    source: `cli ${process.pid}`,
    file: options.log !== undefined ? resolve(options.log) : null,
  });
}

/** The --log file, appended to (it is the user's file: never rotated or truncated). */
function appendingFile(path: string): LogSink {
  // Opened now, so a log that cannot be written is said before the command starts.
  appendFileSync(path, '');
  return { write: (line) => appendFileSync(path, line) };
}

function report(error: unknown, log: Logger): number {
  const info = toErrorInfo(error);
  const words = cliWords(info);
  log.error(`failed: ${info.message}`, error);
  process.stderr.write(`spillway: ${words.message}\n`);
  if (words.remedy) process.stderr.write(`  ${words.remedy}\n`);
  if (info.code === 'internal') {
    process.stderr.write(
      log.file !== null
        ? `  The details (where in Spillway it happened) are in ${log.file}.\n`
        : '  To keep the details for a bug report, run the command again with --log FILE.\n',
    );
  }
  return error instanceof SpillwayError || info.code !== 'internal'
    ? exitCodeFor(info.code)
    : EXIT.failed;
}

export async function main(argv: string[]): Promise<number> {
  let work: Work | undefined;
  // The action only hands its command over: it runs below, once the log is set up.
  const program = buildProgram((command) => {
    work = command;
  });
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.usage;
    }
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return report(error, silentLogger);
  }
  let log: Logger;
  try {
    log = cliLogger(program.opts<{ log?: string; verbose?: boolean }>());
  } catch (error) {
    process.stderr.write(
      `spillway: the log file cannot be written: ${toErrorInfo(error).message}\n`,
    );
    return EXIT.usage;
  }
  log.info(`spillway ${TOOL_VERSION}: ${argv.slice(2).join(' ')}`);
  try {
    const code = work ? await work(log) : EXIT.usage;
    log.info(`ended with exit code ${code}`);
    return code;
  } catch (error) {
    const code = report(error, log);
    log.info(`ended with exit code ${code}`);
    return code;
  }
}
