// The one logger of the CLI, the helper and the app's main process: lines with a time, a level
// and where they come from, and for errors their stack and every cause, so that "Unexpected
// error" in a bug report comes with what happened. Where the lines go is a sink
// (rotating-file.ts, stderr, the helper's socket). Secrets the process holds are registered
// with keepSecret and never written, whatever line they turn up in.
//
// The engine does not import this: what it needs is JobLog (engine/jobs/job-context.ts), which
// a Logger is.

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSink {
  write(line: string): void;
}

export interface Logger {
  error(message: string, error?: unknown): void;
  warn(message: string, error?: unknown): void;
  info(message: string): void;
  debug(message: string): void;
  /** The same log, its lines marked as coming from `source` ("helper", "job 1f2e…"). */
  child(source: string): Logger;
  /** Writes an entry formatted by another process's logger (the helper's), as it is. */
  append(entry: string): void;
  /** A value that must never appear in the log (it is written as [secret]). */
  keepSecret(value: string): void;
  /** The file the lines are kept in, to tell the user; null when there is none. */
  readonly file: string | null;
}

/** A logger that writes nothing (tests, and code run without one). */
export const silentLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
  append: () => {},
  keepSecret: () => {},
  file: null,
};

/** Causes followed at most this deep (a cause chain can loop). */
const MAX_CAUSES = 8;

/** An error as text: its stack (or message), its code and path, then each cause in turn. */
export function describeError(error: unknown): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < MAX_CAUSES; depth++) {
    if (seen.has(current)) {
      lines.push('caused by: (the same error again)');
      break;
    }
    seen.add(current);
    const text = errorText(current);
    lines.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n');
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return `(thrown, not an Error) ${String(error)}`;
  const sys = error as NodeJS.ErrnoException;
  const facts = [
    sys.code !== undefined ? `code ${sys.code}` : '',
    sys.syscall !== undefined ? `syscall ${sys.syscall}` : '',
    sys.path !== undefined ? `path ${sys.path}` : '',
  ].filter(Boolean);
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  // A stack starts with "Name: message"; one that was replaced may lack the message.
  const head = stack.includes(error.message) ? stack : `${error.name}: ${error.message}\n${stack}`;
  return facts.length > 0 ? `${head}\n(${facts.join(', ')})` : head;
}

/** One entry: "2026-01-02T03:04:05.678Z WARN  [helper] message", then indented details. */
export function formatEntry(
  time: Date,
  level: LogLevel,
  source: string,
  message: string,
  error?: unknown,
): string {
  // A message of several lines keeps them indented under its first.
  const text = message.replaceAll('\n', '\n    ');
  const head = `${time.toISOString()} ${level.toUpperCase().padEnd(5)} [${source}] ${text}`;
  if (error === undefined) return head + '\n';
  const details = describeError(error)
    .split('\n')
    .map((line) => `    ${line.trimStart()}`)
    .join('\n');
  return `${head}\n${details}\n`;
}

export interface LoggerOptions {
  /** Lines below this level are dropped (default info). */
  level?: LogLevel;
  sinks: LogSink[];
  source: string;
  file?: string | null;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const secrets = new Set<string>();
  const now = options.now ?? (() => new Date());
  const file = options.file ?? null;

  const put = (entry: string) => {
    for (const secret of secrets) entry = entry.replaceAll(secret, '[secret]');
    for (const sink of options.sinks) sink.write(entry);
  };
  const write = (level: LogLevel, source: string, message: string, error?: unknown) => {
    if (LOG_LEVELS.indexOf(level) <= threshold)
      put(formatEntry(now(), level, source, message, error));
  };

  const make = (source: string): Logger => ({
    error: (message, error) => write('error', source, message, error),
    warn: (message, error) => write('warn', source, message, error),
    info: (message) => write('info', source, message),
    debug: (message) => write('debug', source, message),
    child: (name) => make(`${source} ${name}`),
    append: (entry) => put(entry.endsWith('\n') ? entry : entry + '\n'),
    keepSecret: (value) => {
      // Too short a "secret" would blank out ordinary words.
      if (value.length >= 8) secrets.add(value);
    },
    file,
  });
  return make(options.source);
}

/** A sink that writes to a stream, e.g. stderr for --verbose. */
export function streamSink(stream: { write(text: string): unknown }): LogSink {
  return { write: (line) => void stream.write(line) };
}
